import { isLoopback, bracketed } from '../model/addresses.js';
import { parseSshConnection } from '../model/ssh-session.js';
import { sshPorts } from '../model/sshd.js';
import type { Evidence } from '../checks/types.js';
import type { Collected } from '../snapshot/types.js';
import type { DoctorContext } from './symptom.js';
import type { Diagnosis } from './types.js';

/** Small facts several symptoms read from the snapshot. */

export function ok(cause: string, saw: Evidence[] = []): Diagnosis {
  return { status: 'ok', cause, saw };
}

/** Not checked: `cause` says what and why, in one line. */
export function unknown(cause: string, saw: Evidence[] = []): Diagnosis {
  return { status: 'unknown', cause, saw };
}

export function note(text: string): Evidence {
  return { kind: 'note', text };
}

/** The detail of a source that could not be read, as one line. */
export function unavailableDetail(c: Collected<unknown>): string {
  return c.status === 'ok' ? '' : c.detail;
}

export { isLoopback };

export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const BRIDGE_LIKE = /^(docker\d*|br-[0-9a-f]+|veth.*|virbr\d*|cni\d*|flannel.*|cali.*)$/;

/**
 * The address another machine uses for this host over SSH: the one the user is connected
 * to now (SSH_CONNECTION), else the first global address on the default route's interface,
 * else any global address outside Docker bridges, else the host name.
 */
export function sshAddress(ctx: DoctorContext): { address: string; why: string } {
  const session = parseSshConnection(ctx.session.sshConnection);
  if (session && !isLoopback(session.server)) return { address: session.server, why: 'the address of this SSH session' };
  const { snapshot } = ctx.analysis;
  const interfaces = snapshot.network.interfaces.status === 'ok' ? snapshot.network.interfaces.data : [];
  const routes = snapshot.network.routes.status === 'ok' ? snapshot.network.routes.data : [];
  const globalOf = (name: string) =>
    interfaces
      .find((i) => i.name === name)
      ?.addresses.filter((a) => a.scope === 'global' && !isLoopback(a.address))
      .sort((a, b) => a.family - b.family)[0];
  for (const route of routes.filter((r) => r.dst === 'default' && r.dev)) {
    const a = globalOf(route.dev!);
    if (a) return { address: a.address, why: `the address of ${route.dev}, the default route's interface` };
  }
  for (const iface of interfaces) {
    if (iface.name === 'lo' || BRIDGE_LIKE.test(iface.name) || iface.name.startsWith('tailscale')) continue;
    const a = globalOf(iface.name);
    if (a) return { address: a.address, why: `the address of ${iface.name}` };
  }
  return { address: snapshot.host.hostname, why: 'the host name (no global address was read)' };
}

/** `user@address` and `-p PORT` when sshd does not listen on 22. */
export function sshTarget(ctx: DoctorContext): { target: string; portFlag: string; why: string } {
  const { address, why } = sshAddress(ctx);
  const login = ctx.session.login && /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(ctx.session.login) ? ctx.session.login : 'YOU';
  const host = bracketed(address);
  const { ports } = sshPorts(ctx.analysis);
  const portFlag = ports.includes(22) || ports.length === 0 ? '' : ` -p ${ports[0]}`;
  return { target: `${login}@${host}`, portFlag, why };
}

/** "internet:eth0", or "office (eth1)" for a zone whose name does not say its interface. */
export function zoneLabel(zone: { name: string; interface: string }): string {
  return zone.name.includes(zone.interface) ? zone.name : `${zone.name} (${zone.interface})`;
}
