#!/usr/bin/env node
// Generates the published JSON Schemas from the TypeScript types, so the schema files can never
// drift from what the code reads and writes.
//
//   node scripts/generate-schemas.mjs          rewrite schema/*.schema.json
//   node scripts/generate-schemas.mjs --check  exit 1 when a committed schema is stale
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @type {readonly { type: string; source: string; output: string; title: string; description: string }[]} */
export const SCHEMAS = [
  {
    type: 'Snapshot',
    source: 'src/snapshot/types.ts',
    output: 'schema/snapshot.schema.json',
    title: 'clawmoat snapshot',
    description: 'Everything clawmoat read from one host (`clawmoat collect`). Generated from src/snapshot/types.ts.',
  },
  {
    type: 'Report',
    source: 'src/report/types.ts',
    output: 'schema/report.schema.json',
    title: 'clawmoat audit report',
    description: 'The audit report (`clawmoat audit --format json`). Generated from src/report/types.ts.',
  },
  {
    type: 'ProbeReport',
    source: 'src/probe/types.ts',
    output: 'schema/probe.schema.json',
    title: 'clawmoat probe report',
    description: 'Live probe results (`clawmoat probe --json`). Generated from src/probe/types.ts.',
  },
  {
    type: 'DoctorReport',
    source: 'src/doctor/types.ts',
    output: 'schema/doctor.schema.json',
    title: 'clawmoat doctor report',
    description: 'The common-issue diagnoses (`clawmoat doctor --json`). Generated from src/doctor/types.ts.',
  },
  {
    type: 'FleetReport',
    source: 'src/fleet/types.ts',
    output: 'schema/fleet.schema.json',
    title: 'clawmoat fleet report',
    description: 'Many hosts audited at once (`clawmoat fleet --format json`). Generated from src/fleet/types.ts.',
  },
];

/**
 * Builds every schema in memory.
 * @param {string} [root] repository root
 * @returns {Record<string, string>} output path (relative to root) → file content
 */
export function generateSchemas(root = ROOT) {
  // One program for both types: building it is most of the cost. skipTypeCheck because other
  // modules may be mid-edit; the types we publish only need to parse.
  const generator = createGenerator({
    path: join(root, 'src/{snapshot,report,probe,doctor,fleet}/types.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    skipTypeCheck: true,
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    sortProps: true,
    strictTuples: true,
  });
  /** @type {Record<string, string>} */
  const out = {};
  for (const spec of SCHEMAS) {
    const schema = tidy(/** @type {Schema} */ (generator.createSchema(spec.type)));
    const { $schema, ...rest } = schema;
    const document = { $schema, title: spec.title, description: spec.description, ...rest };
    out[spec.output] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return out;
}

/** @typedef {{ $schema?: string; $ref?: string; definitions?: Record<string, unknown>; [key: string]: unknown }} Schema */

/**
 * The generator names instantiated generics after internal node ids, e.g.
 * `Collected<def-interface-1299156332-1268-1839-…[]>`, where the number hashes the absolute source
 * path. Such names would make the output depend on where the repository is checked out, and they
 * mean nothing to a reader, so those definitions are inlined where they are used. Definitions with
 * readable names (`Socket`, `Collected<string>`) stay, sorted, for stable diffs.
 * @param {Schema} schema
 * @returns {Schema}
 */
function tidy(schema) {
  const definitions = /** @type {Record<string, unknown>} */ (schema.definitions ?? {});
  const readable = (/** @type {string} */ name) => /^[A-Za-z_][\w]*(<[\w<>,[\] ]*>)?$/.test(name);
  const PREFIX = '#/definitions/';

  /** @param {unknown} node @param {string[]} stack @returns {unknown} */
  const rewrite = (node, stack) => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, stack));
    if (node === null || typeof node !== 'object') return node;
    const obj = /** @type {Record<string, unknown>} */ (node);
    if (typeof obj.$ref === 'string' && obj.$ref.startsWith(PREFIX)) {
      const name = decodeURIComponent(obj.$ref.slice(PREFIX.length));
      if (!readable(name)) {
        if (stack.includes(name)) throw new Error(`cannot inline recursive definition ${name}`);
        const { $ref: _ref, ...siblings } = obj;
        const target = /** @type {Record<string, unknown>} */ (rewrite(definitions[name], [...stack, name]));
        // A description beside the $ref (from the property's doc comment) is more specific than the target's.
        return { ...target, ...rewrite(siblings, stack) };
      }
      return { ...obj, $ref: PREFIX + encodeURIComponent(name) };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, rewrite(v, stack)]));
  };

  const kept = Object.keys(definitions)
    .filter(readable)
    .sort()
    .map((name) => [name, rewrite(definitions[name], [name])]);
  return { ...schema, .../** @type {Schema} */ (rewrite({ $ref: schema.$ref }, [])), definitions: Object.fromEntries(kept) };
}

/**
 * Compares the generated schemas with the files on disk.
 * @param {string} [root]
 * @returns {Promise<string[]>} paths that are missing or differ
 */
export async function staleSchemas(root = ROOT) {
  const generated = generateSchemas(root);
  const stale = [];
  for (const [path, content] of Object.entries(generated)) {
    const current = await readFile(join(root, path), 'utf8').catch(() => undefined);
    if (current !== content) stale.push(path);
  }
  return stale;
}

async function main() {
  if (process.argv.includes('--check')) {
    const stale = await staleSchemas();
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}. Run: node scripts/generate-schemas.mjs`);
      process.exit(1);
    }
    console.log('schemas are up to date');
    return;
  }
  for (const [path, content] of Object.entries(generateSchemas())) {
    await mkdir(dirname(join(ROOT, path)), { recursive: true });
    await writeFile(join(ROOT, path), content);
    console.log(`wrote ${path}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
}
