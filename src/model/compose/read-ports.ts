import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { parseLongPort, parseShortPort, type LongPortFields, type PortResult } from './ports.js';
import type { Reader } from './reader.js';
import type { ComposePort } from './types.js';

/** A service's `ports:` list, short and long syntax, each entry with its position. */
export function readPorts(r: Reader, service: string, value: Node | null): ComposePort[] {
  const list = r.resolve(value);
  if (list === null || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    r.fail(list, `service "${service}": "ports" must be a list`);
    return [];
  }
  const ports: ComposePort[] = [];
  for (const item of list.items) {
    const node = r.resolve(item);
    if (node === null) continue;
    const port = isMap(node) ? readLong(r, service, node) : readShort(r, service, node);
    if (port) ports.push(port);
  }
  return ports;
}

function finish(r: Reader, service: string, node: Node, raw: string, result: PortResult): ComposePort | undefined {
  if (!result.ok) {
    r.fail(node, `service "${service}": port "${raw}": ${result.message}`);
    return undefined;
  }
  const { line, column } = r.position(node);
  return { ...result.spec, line, column, raw };
}

function readShort(r: Reader, service: string, node: Node): ComposePort | undefined {
  if (!isScalar(node)) {
    r.fail(node, `service "${service}": a port must be a string, a number or a mapping`);
    return undefined;
  }
  const v = node.value;
  let raw: string | undefined;
  if (typeof v === 'string') raw = r.interpolate(node, v, `service "${service}" port`);
  else if (typeof v === 'number' && Number.isInteger(v)) raw = String(v);
  else {
    r.fail(node, `service "${service}": port ${String(v)} is not a port number or mapping`);
    return undefined;
  }
  if (raw === undefined) return undefined;
  return finish(r, service, node, raw, parseShortPort(raw));
}

const LONG_KEYS = ['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'] as const;

function readLong(r: Reader, service: string, node: Node): ComposePort | undefined {
  if (!isMap(node)) return undefined;
  const what = `service "${service}" port`;
  const fields: LongPortFields = {};
  const shown: string[] = [];
  for (const entry of r.entries(node)) {
    if (!(LONG_KEYS as readonly string[]).includes(entry.key)) continue;
    const text = r.text(entry.value, `${what} ${entry.key}`);
    if (text === undefined) continue;
    shown.push(`${entry.key}: ${text}`);
    if (entry.key === 'target') fields.target = text;
    else if (entry.key === 'published') fields.published = text;
    else if (entry.key === 'host_ip') fields.hostIp = text;
    else if (entry.key === 'protocol') fields.protocol = text;
  }
  return finish(r, service, node, `{${shown.join(', ')}}`, parseLongPort(fields));
}
