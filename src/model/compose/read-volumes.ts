import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Reader } from './reader.js';
import type { ComposeVolume } from './types.js';
import { parseShortVolume } from './volumes.js';

/** A service's `volumes:` list: short "src:dst[:mode]" strings and long {type, source, target} mappings. */
export function readVolumes(r: Reader, service: string, value: Node | null): ComposeVolume[] {
  const list = r.resolve(value);
  if (list === null || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    r.fail(list, `service "${service}": "volumes" must be a list`);
    return [];
  }
  const volumes: ComposeVolume[] = [];
  for (const item of list.items) {
    const node = r.resolve(item);
    if (node === null) continue;
    const volume = isMap(node) ? readLong(r, service, node) : readShort(r, service, node);
    if (volume) volumes.push(volume);
  }
  return volumes;
}

function readShort(r: Reader, service: string, node: Node): ComposeVolume | undefined {
  const spec = r.text(node, `service "${service}" volume`);
  if (spec === undefined) return undefined;
  const parsed = parseShortVolume(spec);
  if (!parsed.ok) {
    r.fail(node, `service "${service}": ${parsed.message}`);
    return undefined;
  }
  const volume: ComposeVolume = { target: parsed.target, line: r.position(node).line, type: parsed.type, readOnly: parsed.readOnly };
  if (parsed.source !== undefined) volume.source = parsed.source;
  return volume;
}

function readLong(r: Reader, service: string, node: Node): ComposeVolume | undefined {
  if (!isMap(node)) return undefined;
  const what = `service "${service}" volume`;
  let type: string | undefined;
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  for (const entry of r.entries(node)) {
    if (entry.key === 'type') type = r.text(entry.value, `${what} type`);
    else if (entry.key === 'source') source = r.text(entry.value, `${what} source`);
    else if (entry.key === 'target') target = r.text(entry.value, `${what} target`);
    else if (entry.key === 'read_only') readOnly = r.text(entry.value, `${what} read_only`) === 'true';
  }
  if (target === undefined || target === '') {
    r.fail(node, `service "${service}": a volume mapping needs "target"`);
    return undefined;
  }
  const volume: ComposeVolume = { target, line: r.position(node).line, readOnly };
  if (type !== undefined) volume.type = type;
  if (source !== undefined && source !== '') volume.source = source;
  return volume;
}
