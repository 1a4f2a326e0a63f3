import { isPublicHostIp, parseHostIp } from '../../model/compose/address.js';
import { interpolate } from '../../model/compose/interpolate.js';
import { parsePortRange } from '../../model/compose/ports.js';

/**
 * Compose port and volume entries as written, `${VAR:-default}` and all. Matching reads
 * them with compose's own interpolation and an empty environment (so defaults apply);
 * rewriting keeps the written text of every part it does not change.
 */

export const LOOPBACK = '127.0.0.1';

/** Splits on `sep` outside `${…}`, so "${PORT:-18789}:18789" has two parts, not three. */
export function splitOutsideVars(raw: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '$' && raw[i + 1] === '$') {
      current += '$$';
      i++;
      continue;
    }
    if (c === '$' && raw[i + 1] === '{') {
      depth++;
      current += '${';
      i++;
      continue;
    }
    if (c === '}' && depth > 0) depth--;
    if (c === sep && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** What a written value means with compose's defaults; undefined when it cannot be told. */
function resolved(written: string): string | undefined {
  const r = interpolate(written, {});
  return r.error === undefined && r.unset.length === 0 ? r.value : undefined;
}

/** Whether a container port (or range, with a "/proto" suffix) covers one of `ports`. */
export function coversPort(containerWritten: string, ports: readonly number[]): boolean {
  const value = resolved(containerWritten);
  if (value === undefined) return false;
  const range = parsePortRange(value.split('/')[0] ?? '');
  return range !== undefined && ports.some((p) => p >= range.start && p <= range.end);
}

/** A literal loopback host address. One written with a variable never counts: whoever sets the variable decides. */
export function isLiteralLoopback(written: string): boolean {
  if (written.includes('$')) return false;
  const ip = parseHostIp(written);
  return ip !== undefined && !isPublicHostIp(ip);
}

export interface ShortPort {
  /** Everything before the host port ("" when none). */
  ip: string;
  host: string | undefined;
  /** The container port as written, with any "/proto". */
  container: string;
}

/** "C", "H:C", "IP:H:C" (IPv6 with or without brackets: the last two fields are the ports). */
export function splitShortPort(raw: string): ShortPort {
  const parts = splitOutsideVars(raw, ':');
  const container = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return { ip: '', host: undefined, container };
  if (parts.length === 2) return { ip: '', host: parts[0], container };
  return { ip: parts.slice(0, -2).join(':'), host: parts[parts.length - 2], container };
}

/**
 * The short syntax on loopback: "127.0.0.1:HOST:CONTAINER", the host port kept as written
 * ("${OPENCLAW_GATEWAY_PORT:-18789}" stays). Undefined when the entry is already on a
 * literal loopback address. "C" alone becomes "127.0.0.1::C" (still an ephemeral host port).
 */
export function shortPortOnLoopback(raw: string): string | undefined {
  const p = splitShortPort(raw);
  if (p.ip !== '' && isLiteralLoopback(p.ip)) return undefined;
  return `${LOOPBACK}:${p.host ?? ''}:${p.container}`;
}

const SOCKET = /(^|\/)(docker|podman)\.sock$/;

function isSocketPath(written: string | undefined): boolean {
  if (written === undefined) return false;
  const value = resolved(written);
  if (value === undefined) return false;
  return SOCKET.test(value.replace(/\/+/g, '/').replace(/\/$/, ''));
}

/**
 * A short volume ("[SOURCE:]TARGET[:MODE]") that mounts the Docker (or Podman) API
 * socket, found by its source or its target. Split outside variables, so a source such
 * as "${OPENCLAW_DOCKER_SOCKET:-/var/run/docker.sock}" stays one part.
 */
export function isSocketShortVolume(raw: string): boolean {
  const parts = splitOutsideVars(raw, ':');
  if (parts.length === 1) return isSocketPath(parts[0]);
  return isSocketPath(parts[0]) || isSocketPath(parts[1]);
}

/** A long-syntax volume (`source:`/`target:`) on the socket. */
export function isSocketLongVolume(source: string | undefined, target: string | undefined): boolean {
  return isSocketPath(source) || isSocketPath(target);
}
