import SNAPSHOT_SCHEMA from '../../schema/snapshot.schema.json' with { type: 'json' };

/**
 * Does a parsed snapshot have the shape the analysis reads? Checked against the published JSON
 * Schema (schema/snapshot.schema.json, generated from types.ts: the one home of the shape), so a
 * file from a hostile or broken host (a socket that is `null`, a network section that is a number)
 * is refused in one line before any check dereferences it.
 *
 * The schema generator writes a small part of JSON Schema: $ref into definitions, type,
 * properties, required, additionalProperties, items, const, enum, anyOf. That part is what is
 * interpreted here, in one pass over the data (a snapshot can be tens of MB, and no validator
 * dependency is worth its weight for this). Keys the types do not name are let through: nothing
 * reads them, and a snapshot from a slightly newer collector stays readable.
 */

interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  definitions?: Record<string, Schema>;
}

const ROOT = SNAPSHOT_SCHEMA as unknown as Schema;
const DEFINITIONS = ROOT.definitions ?? {};
const PREFIX = '#/definitions/';

function resolveRef(schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
    const name = decodeURIComponent(current.$ref.slice(PREFIX.length));
    const target = DEFINITIONS[name];
    if (!target) throw new Error(`snapshot schema: no definition ${name}`);
    current = target;
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function typeMatches(type: NonNullable<Schema['type']>, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/** Where in the data: keys and indexes from the top, formatted only for an error. */
type Path = (string | number)[];

function format(path: Path, last?: string): string {
  let out = '';
  for (const part of last === undefined ? path : [...path, last]) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(part) ? (out ? `.${part}` : part) : `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** The properties of an object schema that are fixed (`const`): a tagged union's tags. */
function tagsOf(schema: Schema): [string, unknown][] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, p]) => {
    const r = resolveRef(p);
    return 'const' in r ? [[k, r.const] as [string, unknown]] : [];
  });
}

/** The first place where `value` departs from `schema`, in words ("sockets.data[3]: expected an object, got null"), or undefined. */
function mismatch(schema: Schema, value: unknown, path: Path): string | undefined {
  const s = resolveRef(schema);
  const where = () => format(path) || 'the snapshot';
  if (s.anyOf) {
    const errors = s.anyOf.map((branch) => mismatch(branch, value, path));
    if (errors.some((e) => e === undefined)) return undefined;
    // A branch whose tag (a property with a const: `status: "ok"`) the value carries is the
    // one meant; with none, say the tag is wrong; else the branch that got furthest says most.
    const tags = s.anyOf.map((branch) => tagsOf(resolveRef(branch)));
    const obj = typeMatches('object', value) ? (value as Record<string, unknown>) : undefined;
    const meant = tags.findIndex((t) => t.length > 0 && obj !== undefined && t.every(([k, c]) => obj[k] === c));
    if (meant >= 0) return errors[meant];
    const key = tags[0]?.[0]?.[0];
    if (obj && key !== undefined && tags.every((t) => t.some(([k]) => k === key)))
      return `${format(path, key)}: ${describe(obj[key])} is not one of ${tags.map((t) => JSON.stringify(t.find(([k]) => k === key)![1])).join(', ')}`;
    return errors.reduce((a, b) => ((b?.length ?? 0) > (a?.length ?? 0) ? b : a));
  }
  if (s.type && !typeMatches(s.type, value))
    return `${where()}: expected ${s.type === 'object' || s.type === 'array' ? `an ${s.type}` : `a ${s.type}`}, got ${describe(value)}`;
  if ('const' in s && value !== s.const) return `${where()}: expected ${JSON.stringify(s.const)}, got ${describe(value)}`;
  if (s.enum && !s.enum.includes(value)) return `${where()}: ${describe(value)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (Array.isArray(value) && s.items) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const error = mismatch(s.items, value[i], path);
      path.pop();
      if (error) return error;
    }
  }
  if (typeMatches('object', value) && (s.properties || s.required || typeof s.additionalProperties === 'object')) {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!Object.hasOwn(obj, key)) return `${format(path, key)}: missing`;
    for (const [key, v] of Object.entries(obj)) {
      const known = s.properties?.[key];
      const schemaOf = known ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (!schemaOf) continue;
      path.push(key);
      const error = mismatch(schemaOf, v, path);
      path.pop();
      if (error) return error;
    }
  }
  return undefined;
}

/** Undefined when `value` has the snapshot's shape; otherwise where and how it does not. */
export function snapshotShapeProblem(value: unknown): string | undefined {
  return mismatch(ROOT, value, []);
}
