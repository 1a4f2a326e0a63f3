import { isPlainObject, type Located, type LocNode } from './config-types.js';
import { setOwn } from '../snapshot/set-own.js';

/**
 * OpenClaw's deep merge for $include, applied to a value and its locations at
 * once so that a key's location is always that of the file whose value won:
 * objects merge key by key, arrays concatenate, anything else is replaced by
 * the later value.
 */

/** Keys OpenClaw's merge skips: merging them could reach Object.prototype. */
const BLOCKED_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

export function emptyLocated(): Located {
  return { value: {}, node: { children: new Map() } };
}

export function deepMergeLocated(target: Located, source: Located): Located {
  const at = source.node.at ?? target.node.at;
  if (Array.isArray(target.value) && Array.isArray(source.value)) {
    const node: LocNode = { items: [...(target.node.items ?? []), ...(source.node.items ?? [])] };
    if (at) node.at = at;
    return { value: [...(target.value as unknown[]), ...(source.value as unknown[])], node };
  }
  if (isPlainObject(target.value) && isPlainObject(source.value)) {
    const value: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(target.value)) setOwn(value, key, v);
    const children = new Map(target.node.children ?? []);
    for (const [key, sourceValue] of Object.entries(source.value)) {
      if (BLOCKED_KEYS.has(key)) continue;
      const sourceNode = source.node.children?.get(key) ?? {};
      if (Object.hasOwn(value, key)) {
        const merged = deepMergeLocated({ value: value[key], node: children.get(key) ?? {} }, { value: sourceValue, node: sourceNode });
        setOwn(value, key, merged.value);
        children.set(key, merged.node);
      } else {
        setOwn(value, key, sourceValue);
        children.set(key, sourceNode);
      }
    }
    const node: LocNode = { children };
    if (at) node.at = at;
    return { value, node };
  }
  return source;
}
