#!/usr/bin/env node
// Bundles the CLI into one ES module. Loading ~80 files and three CommonJS
// dependencies costs a Node process ~250 ms at start; one file costs a fraction,
// and the audit's budget is 300 ms for the whole run. The unbundled tsc output in
// dist/ stays for library use and type declarations.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STARTUP_DIR, launcherLines, startupFiles } from './startup-launcher.mjs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// `--outdir DIR`: bundle there instead of dist/ (the tests bundle the sources they test, apart).
const outdirIndex = process.argv.indexOf('--outdir');
const outdir = outdirIndex > 0 ? resolve(process.argv[outdirIndex + 1]) : fileURLToPath(new URL('../dist', import.meta.url));
// `--metafile FILE`: also write esbuild's metafile of the CLI's build (which chunk holds which
// source, which chunk imports which): test/unit/cli/load-graph.test.ts reads it.
const metafileIndex = process.argv.indexOf('--metafile');
const metafile = metafileIndex > 0 ? resolve(process.argv[metafileIndex + 1]) : undefined;
// `--startup-dir DIR`: where the launcher looks for the startup snapshot (the tests build one of their own).
const startupDirIndex = process.argv.indexOf('--startup-dir');
const startupDir = startupDirIndex > 0 ? resolve(process.argv[startupDirIndex + 1]) : DEFAULT_STARTUP_DIR;
// The launcher names it inside double quotes: nothing the shell would expand.
if (!/^[\w/.-]+$/.test(startupDir)) throw new Error(`--startup-dir ${startupDir}: letters, digits, / . _ - only`);

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'linked',
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __clawmoatCreateRequire } from 'node:module'; const require = __clawmoatCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  // Start-up is mostly V8 scanning the code it loads (bench/startup.mjs): without whitespace and
  // with shorter syntax there is less to scan (~5 % of `audit --snapshot`'s instructions).
  // Identifiers stay, so a CLAWMOAT_DEBUG stack still names its functions.
  minifyWhitespace: true,
  minifySyntax: true,
  // Every bundle names its version without reading package.json (a bundle copied elsewhere has none beside it).
  define: { __CLAWMOAT_VERSION__: JSON.stringify(version) },
};

// Chunks of an earlier build have other hashes: remove them, so dist/ holds this build's only.
mkdirSync(outdir, { recursive: true });
for (const name of readdirSync(outdir)) if (/^clawmoat-.*\.mjs(\.map)?$/.test(name)) rmSync(join(outdir, name));

// The whole CLI as one CommonJS file, for `node --build-snapshot` (src/startup/): the snapshot
// builder can require only Node's built-ins, so nothing is split off or imported at run time.
// import.meta.url is a file's URL in the same directory, so the probe agent, the HTML renderer
// and the fleet worker are found beside it as from the ES module chunks.
const snapshotBundle = join(outdir, 'clawmoat-snapshot.cjs');
await build({
  ...common,
  format: 'cjs',
  // import.meta.url: this file's URL while the blob is built; snapshot-main.ts sets it again
  // from the bundle the run was started as (the blob may outlive the directory it was built in).
  banner: { js: "globalThis.__clawmoatImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  entryPoints: [new URL('../src/startup/snapshot-main.ts', import.meta.url).pathname],
  outfile: snapshotBundle,
  define: {
    ...common.define,
    'import.meta.url': 'globalThis.__clawmoatImportMetaUrl',
    // import() in code the snapshot builder compiled has no loader: snapshot-main.ts passes one.
    __CLAWMOAT_IMPORT__: 'globalThis.__clawmoatImport',
    __CLAWMOAT_AGENT_BUNDLE__: JSON.stringify('./probe-agent.mjs'),
    __CLAWMOAT_HTML_BUNDLE__: JSON.stringify('./report-html.mjs'),
    __CLAWMOAT_FLEET_WORKER__: JSON.stringify('./fleet-worker.mjs'),
  },
});
const startup = startupFiles(startupDir, readFileSync(snapshotBundle));

const [cli] = await Promise.all([
  // Split along the CLI's per-command dynamic imports (src/cli/program.ts): each command's code
  // is a chunk of its own, loaded only when that command runs; what several share is one chunk.
  build({
    ...common,
    metafile: metafile !== undefined,
    entryPoints: { clawmoat: new URL('../src/cli/main.ts', import.meta.url).pathname },
    // The entry is also the launcher: its first lines are shell (scripts/startup-launcher.mjs).
    banner: { js: `${launcherLines(startup)}\n${common.banner.js}` },
    outdir,
    splitting: true,
    outExtension: { '.js': '.mjs' },
    // Beside the entry: code that finds the probe agent or the HTML renderer by import.meta.url
    // (./probe-agent.mjs, ./report-html.mjs) works from any chunk.
    chunkNames: 'clawmoat-[name]-[hash]',
    // The probe's namespace agent is a file of its own (below), found next to this one.
    define: {
      ...common.define,
      __CLAWMOAT_AGENT_BUNDLE__: JSON.stringify('./probe-agent.mjs'),
      __CLAWMOAT_HTML_BUNDLE__: JSON.stringify('./report-html.mjs'),
      __CLAWMOAT_FLEET_WORKER__: JSON.stringify('./fleet-worker.mjs'),
    },
  }),
  // A worker thread of `clawmoat fleet --jobs N`: it audits snapshots, nothing else.
  build({
    ...common,
    entryPoints: [new URL('../src/cli/fleet-worker.ts', import.meta.url).pathname],
    outfile: join(outdir, 'fleet-worker.mjs'),
  }),
  // The HTML/PDF renderer, imported only for `--format html|pdf`: the CLI's start-up does not carry it.
  build({
    ...common,
    entryPoints: [new URL('../src/report/html/entry.ts', import.meta.url).pathname],
    outfile: join(outdir, 'report-html.mjs'),
  }),
  // `clawmoat-startup-snapshot`: builds the blob the launcher looks for (src/startup/build.ts).
  build({
    ...common,
    entryPoints: [new URL('../src/startup/build-main.ts', import.meta.url).pathname],
    outfile: join(outdir, 'startup-build.mjs'),
    define: { ...common.define, __CLAWMOAT_STARTUP__: JSON.stringify(startup) },
  }),
  // What `clawmoat probe --netns` runs inside each namespace: the probe code alone, a fraction of
  // the CLI, so the agent is ready sooner.
  build({
    ...common,
    entryPoints: [new URL('../src/probe/agent-main.ts', import.meta.url).pathname],
    outfile: join(outdir, 'probe-agent.mjs'),
  }),
]);
if (metafile) writeFileSync(metafile, JSON.stringify(cli.metafile));
// Both are commands (package.json's bin): the launcher's shell lines run when clawmoat.mjs is executed.
for (const name of ['clawmoat.mjs', 'startup-build.mjs']) chmodSync(join(outdir, name), 0o755);
