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

export function* factStrings(s: FactSections): Generator<string> {
  yield* stringsOf(s.host);
  if (s.sockets.status === 'ok') for (const { cmdline: _argv, ...socket } of s.sockets.data) yield* stringsOf(socket);
  else yield* stringsOf(s.sockets);
  yield* stringsOf(s.network);
  yield* stringsOf(s.netfilter);
  yield* stringsOf(s.ufw);
  yield* stringsOf(s.tailscale);
  yield* stringsOf(s.sshd);
  if (s.docker.status === 'ok') {
    const { containers, ...engine } = s.docker.data;
    yield* stringsOf(engine);
    for (const { env: _env, command: _command, labels: _labels, ...container } of containers) yield* stringsOf(container);
  }
  if (s.doors?.status === 'ok') {
    for (const { auth: _auth, via: _via, ...door } of s.doors.data.doors) yield* stringsOf(door);
    for (const { detail: _detail, ...problem } of s.doors.data.problems) yield* stringsOf(problem);
  }
}

function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsOf(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* stringsOf(v);
}
