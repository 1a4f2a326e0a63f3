import type { Snapshot } from './types.js';

/**
 * The strings of a snapshot that the model judges as facts of the host and that the gateway's user
 * cannot write: the host's name, sockets, interfaces and routes, rulesets, UFW's files, sshd's
 * effective settings, Tailscale's state, Docker's engine state and the doors' listeners and upstreams.
 *
 * The secret vault must leave them as they are (SecretVault.spare): the values it remembers are
 * chosen by whoever writes the gateway's environment and config, so a "secret" made equal to a fact
 * (`OPENCLAW_PLUGIN_API_KEY=0.0.0.0`, a token `ACCEPT`) would otherwise scrub that fact and hide an
 * open gateway. Left out, because a real secret may be echoed there and the vault must mask it: the
 * processes' argv and environment, Docker's env, command and labels, a door's auth lines, its `via`
 * and its problems' details; and the OpenClaw config, units and compose files, which that same user
 * writes (masking there changes nothing they could not change themselves).
 */
export type FactSections = Pick<Snapshot, 'host' | 'sockets' | 'network' | 'netfilter' | 'ufw' | 'docker' | 'tailscale' | 'sshd' | 'doors'>;

export function factStrings(s: FactSections): Iterable<string> {
  // Walked only when iterated (a vault with no secret never asks), then into one array by a plain
  // recursive walk, not nested generators: a CLI run is cold, and an interpreted `yield*` per level
  // of every string made the 250 doors of bench/doors.mjs cost ~95 M instructions here (~30 M now).
  return { [Symbol.iterator]: () => allFactStrings(s)[Symbol.iterator]() };
}

function allFactStrings(s: FactSections): string[] {
  const out: string[] = [];
  stringsOf(s.host, out);
  if (s.sockets.status === 'ok') for (const socket of s.sockets.data) stringsOf(socket, out, SOCKET_LEFT_OUT);
  else stringsOf(s.sockets, out);
  stringsOf(s.network, out);
  stringsOf(s.netfilter, out);
  stringsOf(s.ufw, out);
  stringsOf(s.tailscale, out);
  stringsOf(s.sshd, out);
  if (s.docker.status === 'ok') {
    stringsOf(s.docker.data, out, ENGINE_LEFT_OUT);
    for (const container of s.docker.data.containers) stringsOf(container, out, CONTAINER_LEFT_OUT);
  }
  if (s.doors?.status === 'ok') {
    for (const door of s.doors.data.doors) stringsOf(door, out, DOOR_LEFT_OUT);
    for (const problem of s.doors.data.problems) stringsOf(problem, out, PROBLEM_LEFT_OUT);
  }
  return out;
}

// What the vault may mask (see above): a socket's argv, Docker's containers (read one by one) and
// their env, command and labels, a door's auth lines and via, a door problem's detail.
const SOCKET_LEFT_OUT = ['cmdline'];
const ENGINE_LEFT_OUT = ['containers'];
const CONTAINER_LEFT_OUT = ['env', 'command', 'labels'];
const DOOR_LEFT_OUT = ['auth', 'via'];
const PROBLEM_LEFT_OUT = ['detail'];

/** Every string inside VALUE, depth first in key order, into OUT; the top level's keys LEFT_OUT skipped. */
function stringsOf(value: unknown, out: string[], leftOut?: readonly string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) if (!leftOut?.includes(key)) stringsOf((value as Record<string, unknown>)[key], out);
  }
}
