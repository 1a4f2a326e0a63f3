import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../support/cli-bundle.js';

/**
 * What each command loads before it can answer, read from esbuild's metafile of the real bundle
 * (scripts/bundle.mjs): a chunk's static imports load with it, a dynamic import only when the
 * code asks. Start-up is time spent compiling code (bench/startup.mjs measures it), so a stray
 * static import of the HTML renderer, harden or the prober into the audit path shows here, as
 * the source file that brought it, before it shows in the benchmark.
 */

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { entryPoint?: string; imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}

let dir: string;
let meta: Metafile;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-load-graph-'));
  execFileSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), '--outdir', dir, '--metafile', join(dir, 'meta.json')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Metafile;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chunk a dynamic import of SOURCE (or the entry, src/cli/main.ts) loads. */
function chunkOf(source: string): string {
  const found = Object.entries(meta.outputs).find(([, output]) => output.entryPoint === source);
  if (!found) throw new Error(`no chunk has ${source} as its entry: is it still imported dynamically?`);
  return found[0];
}

/** Every source file loaded with these dynamic imports: their chunks and what those import statically. */
function loadedWith(sources: string[]): string[] {
  const seen = new Set<string>();
  const todo = sources.map(chunkOf);
  while (todo.length > 0) {
    const chunk = todo.pop()!;
    if (seen.has(chunk)) continue;
    seen.add(chunk);
    for (const i of meta.outputs[chunk]!.imports) if (i.kind === 'import-statement' && meta.outputs[i.path]) todo.push(i.path);
  }
  // Sources as `src/…` or `node_modules/<package>/…`, wherever node_modules is linked from.
  return [...seen].flatMap((chunk) => Object.keys(meta.outputs[chunk]!.inputs)).map((input) => input.replace(/^.*?(node_modules\/)/, '$1'));
}

/** What `audit` and `reach` never need before their answer, whatever the host. */
const NEVER_ON_THE_ANALYSIS_PATH = [
  /^src\/report\/html\/(?!load\.ts$)/, // the HTML/PDF renderer: --format html|pdf only (its own bundle, report-html.mjs)
  /^src\/harden\//,
  /^src\/probe\/(run|agent|gateway|fingerprint|predict)/, // the prober: --probe only
  /^src\/doctor\//,
  /^src\/remote\//,
  /^src\/fleet\//, // --baseline only
  /^node_modules\/(ws|diff|nanospinner)\//,
];

/** What an analysis of a snapshot never needs: the collectors, and JSON5 (the snapshot holds the OpenClaw config parsed). */
const NOT_FROM_A_SNAPSHOT = [/^src\/collect\//, /^node_modules\/json5\//];

/**
 * What only a compose file to parse needs: the YAML library (a quarter of a megabyte) and the
 * compose parser, imported by loadContext (src/model/analysis-context.ts) when the snapshot holds one.
 */
const ONLY_FOR_COMPOSE = [
  /^node_modules\/yaml\//,
  /^src\/model\/compose\/(models|parse|reader|service|read-ports|read-volumes)\.ts$/,
  /^src\/snapshot\/redact-yaml\.ts$/,
];

/** Every command's options module, as `--help` loads them (src/cli/program.ts: COMMANDS). */
const COMMAND_FILES = ['audit', 'fleet', 'reach', 'probe', 'harden', 'tunnel', 'tailscale', 'doctor', 'collect', 'checks'].map(
  (c) => `src/cli/commands/${c}.ts`,
);

function forbidden(loaded: string[], patterns: RegExp[]): string[] {
  return loaded.filter((source) => patterns.some((p) => p.test(source)));
}

describe('what each command loads (esbuild metafile of the bundle)', () => {
  it('--version loads commander and the command tree, but no command', () => {
    const loaded = loadedWith(['src/cli/main.ts']);
    expect(loaded).toContain('src/cli/program.ts');
    expect(loaded.filter((s) => s.startsWith('src/cli/commands/'))).toEqual([]);
  });

  it("--help loads every command's options, but no diagnosis of doctor, no tunnel runtime, no prober, harden or fleet analysis", () => {
    const loaded = loadedWith(['src/cli/main.ts', ...COMMAND_FILES]);
    expect(loaded).toContain('src/doctor/catalogue.ts');
    expect(
      forbidden(loaded, [
        /^src\/doctor\/(?!catalogue\.ts$)/,
        /^src\/remote\/(tunnel|remote-facts|tunnel-check|free-port)\.ts$/,
        /^src\/cli\/commands\/(doctor|tunnel|audit|reach|harden|probe|collect|tailscale)-run\.ts$/,
        /^src\/fleet\/(analyse|pool|read|audit-one)\.ts$/,
        /^src\/harden\/(plan|session|apply)/,
      ]),
    ).toEqual([]);
  });

  it('audit --snapshot loads no renderer but its own, no harden, prober, doctor, fleet, collector, nor YAML without a compose file', () => {
    // The command, then what its action imports for a --snapshot run in a text format.
    const loaded = loadedWith(['src/cli/main.ts', 'src/cli/commands/audit.ts', 'src/cli/commands/audit-run.ts']);
    expect(loaded).toContain('src/checks/catalogue.ts');
    expect(forbidden(loaded, [...NEVER_ON_THE_ANALYSIS_PATH, ...NOT_FROM_A_SNAPSHOT, ...ONLY_FOR_COMPOSE])).toEqual([]);
  });

  it('a snapshot with a compose file adds the compose parser and YAML, and nothing else forbidden', () => {
    const loaded = loadedWith(['src/cli/main.ts', 'src/cli/commands/audit.ts', 'src/cli/commands/audit-run.ts', 'src/model/compose/models.ts']);
    expect(loaded).toContain('node_modules/yaml/dist/index.js');
    expect(forbidden(loaded, [...NEVER_ON_THE_ANALYSIS_PATH, ...NOT_FROM_A_SNAPSHOT])).toEqual([]);
  });

  it('audit collecting this host adds the collectors, still without harden, the prober or the HTML renderer', () => {
    const loaded = loadedWith(['src/cli/main.ts', 'src/cli/commands/audit.ts', 'src/collect/index.ts', 'src/cli/commands/audit-run.ts']);
    expect(loaded).toContain('src/collect/index.ts');
    expect(forbidden(loaded, NEVER_ON_THE_ANALYSIS_PATH)).toEqual([]);
  });

  it('reach --snapshot loads the model and its own renderer, not the checks nor the report renderers', () => {
    const loaded = loadedWith(['src/cli/main.ts', 'src/cli/commands/reach.ts', 'src/cli/commands/reach-run.ts']);
    expect(loaded).toContain('src/model/reach.ts');
    expect(
      forbidden(loaded, [
        ...NEVER_ON_THE_ANALYSIS_PATH,
        ...NOT_FROM_A_SNAPSHOT,
        ...ONLY_FOR_COMPOSE,
        /^src\/checks\/rules\//,
        /^src\/report\/(text|index)\.ts$/,
      ]),
    ).toEqual([]);
  });
});
