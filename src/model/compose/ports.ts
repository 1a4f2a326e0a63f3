import { parseHostIp } from './address.js';
import type { ComposePort, PortProtocol } from './types.js';

/**
 * Port mappings, read the way Docker reads them (docker/go-connections `nat.ParsePortSpec`,
 * which compose uses for the short syntax):
 *
 *   "C"            container port only: published on an ephemeral host port, every address
 *   "H:C"          every address
 *   "IP:H:C"       one address; "IP::C" = that address, ephemeral host port
 *   "[::1]:H:C"    IPv6 in brackets
 *   "::1:H:C"      IPv6 without brackets also works: the last two ":" fields are the ports
 *                  and everything before them is the address
 *   ".../udp"      protocol suffix on the container port (tcp, udp, sctp; default tcp)
 *   ranges         "9000-9002:9000-9002"; a host range with a single container port
 *                  ("9000-9002:80") is a pool Docker picks one free host port from
 */

export type PortSpec = Pick<ComposePort, 'hostIp' | 'hostPort' | 'containerPort' | 'protocol'>;

export type PortResult = { ok: true; spec: PortSpec } | { ok: false; message: string };

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'sctp'];

interface Range {
  start: number;
  end: number;
}

function parsePortNumber(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** "80" or "9000-9002". Like Docker, only the first two "-" fields are read. */
export function parsePortRange(text: string): Range | undefined {
  if (!text.includes('-')) {
    const n = parsePortNumber(text);
    return n === undefined ? undefined : { start: n, end: n };
  }
  const [a = '', b = ''] = text.split('-');
  const start = parsePortNumber(a);
  const end = parsePortNumber(b);
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}

function formatRange(r: Range): string {
  return r.start === r.end ? String(r.start) : `${r.start}-${r.end}`;
}

function parseProtocol(written: string): PortProtocol | undefined {
  const p = written.toLowerCase();
  return PROTOCOLS.find((x) => x === p);
}

/** Checks and normalises the pieces shared by the short and the long syntax. */
function buildSpec(hostIpWritten: string, hostPortWritten: string, containerWritten: string, protocolWritten: string): PortResult {
  let hostIp = '';
  if (hostIpWritten !== '') {
    const ip = parseHostIp(hostIpWritten);
    if (ip === undefined) return { ok: false, message: `invalid host IP address "${hostIpWritten}"` };
    hostIp = ip;
  }
  if (containerWritten === '') return { ok: false, message: 'no container port' };
  const container = parsePortRange(containerWritten);
  if (container === undefined) return { ok: false, message: `invalid container port "${containerWritten}"` };
  if (container.start === 0) return { ok: false, message: 'container port 0' };
  let hostPort: string | undefined;
  if (hostPortWritten !== '') {
    const host = parsePortRange(hostPortWritten);
    if (host === undefined) return { ok: false, message: `invalid host port "${hostPortWritten}"` };
    const containerSpan = container.end - container.start;
    if (containerSpan !== 0 && containerSpan !== host.end - host.start) {
      return { ok: false, message: `host ports "${hostPortWritten}" and container ports "${containerWritten}" are ranges of different sizes` };
    }
    // Host port 0 asks Docker for an ephemeral port, the same as leaving it out.
    if (!(host.start === 0 && host.end === 0)) hostPort = formatRange(host);
  }
  const protocol = parseProtocol(protocolWritten);
  if (protocol === undefined) return { ok: false, message: `invalid protocol "${protocolWritten}"` };
  const spec: PortSpec =
    hostPort === undefined
      ? { hostIp, containerPort: formatRange(container), protocol }
      : { hostIp, hostPort, containerPort: formatRange(container), protocol };
  return { ok: true, spec };
}

export function parseShortPort(raw: string): PortResult {
  const parts = raw.split(':');
  const n = parts.length;
  const last = parts[n - 1] ?? '';
  let ip = '';
  let host = '';
  if (n === 2) host = parts[0] ?? '';
  else if (n >= 3) {
    ip = parts.slice(0, n - 2).join(':');
    host = parts[n - 2] ?? '';
  }
  // Docker splits the protocol off at "/" and ignores anything after a second "/".
  const slash = last.split('/');
  const container = slash[0] ?? '';
  const protocol = slash.length > 1 && slash[1] !== '' ? (slash[1] ?? 'tcp') : 'tcp';
  return buildSpec(ip, host, container, protocol);
}

export interface LongPortFields {
  target?: string;
  published?: string;
  hostIp?: string;
  protocol?: string;
}

export function parseLongPort(fields: LongPortFields): PortResult {
  if (fields.target === undefined || fields.target === '') return { ok: false, message: 'long port syntax without "target"' };
  return buildSpec(
    fields.hostIp ?? '',
    fields.published ?? '',
    fields.target,
    fields.protocol === undefined || fields.protocol === '' ? 'tcp' : fields.protocol,
  );
}

/**
 * Whether `hostPort` can be the host side of this mapping. A host range counts in full:
 * with a single container port Docker takes one free port of the range, which may be any.
 * An ephemeral mapping never counts, since Docker does not pick a fixed port.
 */
export function publishesPort(port: ComposePort, hostPort: number): boolean {
  if (port.hostPort === undefined) return false;
  const range = parsePortRange(port.hostPort);
  return range !== undefined && hostPort >= range.start && hostPort <= range.end;
}
