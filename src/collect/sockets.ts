import type { Collected, Socket } from '../snapshot/types.js';
import { SecretVault, redactArgv } from '../snapshot/redact.js';
import { ok, run } from './host.js';
import type { ScriptReads } from './script/declare.js';

/**
 * Listening sockets come from `ss`, which (unlike /proc/net/tcp6) tells a
 * dual-stack "::" socket ("*") from an IPv6-only one ("[::]"): the difference
 * decides whether IPv4 clients reach it.
 */

/** One `ss` line: a Socket before its owner's argv is attached. */
export type ParsedSsLine = Omit<Socket, 'cmdline'>;

/** Parse `ss -H -l -n -t -u -p` output (also accepts a header line and no Netid column). */
export function parseSs(text: string, defaultProtocol: 'tcp' | 'udp' = 'tcp'): { sockets: ParsedSsLine[]; errors: { line: number; message: string }[] } {
  const sockets: ParsedSsLine[] = [];
  const errors: { line: number; message: string }[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || /^(State|Netid)\s/.test(line)) return;
    const fields = line.split(/\s+/);
    let protocol: 'tcp' | 'udp' = defaultProtocol;
    if (fields[0] === 'tcp' || fields[0] === 'udp') protocol = fields.shift() as 'tcp' | 'udp';
    else if (/^(raw|u_|nl|p_|v_|x|tcp6|udp6|sctp|mptcp)/.test(fields[0] ?? '')) return;
    // State Recv-Q Send-Q Local Peer [Process...]
    if (fields.length < 5) {
      errors.push({ line: index + 1, message: `expected at least 5 columns, found ${fields.length}` });
      return;
    }
    const local = parseEndpoint(fields[3]!);
    if (!local) {
      errors.push({ line: index + 1, message: `cannot read the local address "${fields[3]}"` });
      return;
    }
    const processText = fields.slice(5).join(' ');
    const owner = /\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(processText);
    const socket: ParsedSsLine = { protocol, ...local };
    if (owner) {
      socket.process = owner[1]!;
      socket.pid = Number(owner[2]);
    }
    sockets.push(socket);
  });
  return { sockets, errors };
}

function parseEndpoint(text: string): Omit<ParsedSsLine, 'protocol'> | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  let host = text.slice(0, colon);
  let boundInterface: string | undefined;
  const percent = host.lastIndexOf('%');
  if (percent > 0 && !host.endsWith(']')) {
    boundInterface = host.slice(percent + 1);
    host = host.slice(0, percent);
  }
  const withInterface = (s: Omit<ParsedSsLine, 'protocol'>) => (boundInterface ? { ...s, boundInterface } : s);
  if (host === '*') return withInterface({ address: '::', port, family: 6, v6only: false });
  if (host.startsWith('[') && host.endsWith(']')) {
    const address = host.slice(1, -1);
    if (!address.includes(':')) return undefined;
    return withInterface(address === '::' ? { address, port, family: 6, v6only: true } : { address, port, family: 6 });
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return withInterface({ address: host, port, family: 4 });
  return undefined;
}

export async function collectSockets(vault: SecretVault, processes: Map<number, string[]>): Promise<Collected<Socket[]>> {
  const result = await run('ss', ['-H', '-l', '-n', '-t', '-u', '-p']);
  if (result.status !== 'ok') return result;
  const { sockets } = parseSs(result.data);
  return ok(
    sockets.map((s) => {
      const cmdline = s.pid !== undefined ? processes.get(s.pid) : undefined;
      return cmdline ? { ...s, cmdline: redactArgv(cmdline, vault) } : s;
    }),
  );
}

/** What collectSockets reads, for the collection script. */
export const SOCKET_READS: ScriptReads = { commands: [{ argv: ['ss', '-H', '-l', '-n', '-t', '-u', '-p'] }] };
