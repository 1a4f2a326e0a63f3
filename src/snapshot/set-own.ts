/**
 * target[key] = value as an own property, even for "__proto__": JSON.parse and JSON5 give a
 * hostile file's `"__proto__": {...}` as an own key, and a plain assignment in a copy would make
 * it the copy's prototype instead (every key the object lacks then answered by the file's values).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
