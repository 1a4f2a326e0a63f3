import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { constants, Script } from 'node:vm';
import pc from 'picocolors';
import { runCli } from '../cli/program.js';
import { warmUpHost } from './warm-up-host.js';
// What `audit` and `reach` load, evaluated here so the blob holds it ready (the rest of the CLI
// is in the bundle too, compiled when a command first needs it, as without the blob).
import '../cli/commands/audit.js';
import '../cli/commands/audit-run.js';
import '../cli/commands/reach.js';
import '../cli/commands/reach-run.js';

/**
 * The entry `node --build-snapshot` runs (src/startup/build.ts): it loads the CLI, audits a
 * made-up host so the functions the common commands run are compiled, and names what runs when
 * the blob is used. Node saves the heap once this has run and its event loop is empty; a run
 * with `--snapshot-blob` starts from that heap instead of parsing and compiling the bundle.
 */

if (!startupSnapshot.isBuildingSnapshot()) {
  process.stderr.write('clawmoat: this file builds the startup snapshot (clawmoat-startup-snapshot); run clawmoat itself\n');
  process.exit(2);
}

startupSnapshot.setDeserializeMainFunction(main);
void warmUp();

/**
 * The launcher (the shell lines atop clawmoat.mjs) runs `node --snapshot-blob B -- SCRIPT args…`,
 * where node gives argv as [node, SCRIPT, args…]: the same shape as `node SCRIPT args…`. Node's
 * own options before `--` (the blob's) are dropped from execArgv, so what clawmoat starts again
 * itself (harden's dead-man timer, the probe's namespace agents) starts without the blob.
 */
function main(): void {
  if (process.argv.length < 2) {
    process.stderr.write('clawmoat: the startup snapshot runs through clawmoat.mjs (node --snapshot-blob B -- clawmoat.mjs ARGS)\n');
    process.exit(2);
  }
  process.argv[1] = resolve(process.argv[1]!);
  // What import.meta.url stands for in the bundle: a file beside the one this run was started as.
  (globalThis as { __clawmoatImportMetaUrl?: string }).__clawmoatImportMetaUrl = pathToFileURL(
    join(dirname(realpathSync(process.argv[1])), 'clawmoat-snapshot.cjs'),
  ).href;
  const blob = process.execArgv.indexOf('--snapshot-blob');
  if (blob >= 0) process.execArgv.splice(blob, 2);
  (globalThis as { __clawmoatImport?: typeof importModule }).__clawmoatImport = importModule;
  decideColoursAgain();
  void runCli(process.argv);
}

/**
 * picocolors' default export decides at load whether to colour (the spinner's frame takes its
 * colour from it), and it was loaded while the blob was built, from no terminal and an empty
 * environment: decide again for this run, by picocolors' own rule (1.1).
 */
function decideColoursAgain(): void {
  const { env, argv } = process;
  const supported =
    !(!!env.NO_COLOR || argv.includes('--no-color')) &&
    (!!env.FORCE_COLOR || argv.includes('--color') || process.platform === 'win32' || (process.stdout.isTTY && env.TERM !== 'dumb') || !!env.CI);
  Object.assign(pc, pc.createColors(supported), { isColorSupported: supported });
}

let importer: typeof importModule | undefined;

/**
 * import() for the code in the blob, which the snapshot builder compiled without a loader for it
 * ("A dynamic import callback was not specified"): the HTML renderer, an ES module of its own
 * (src/report/html/load.ts). A function vm compiles with Node's own loader does the import;
 * Node warns that this vm option is experimental, a warning the run without the blob does not
 * print, so that one warning is dropped.
 */
function importModule(specifier: string): Promise<unknown> {
  if (!importer) {
    const emitWarning = process.emitWarning;
    process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
      if (String(warning).includes('vm.USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
      return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
    } as typeof process.emitWarning;
    importer = new Script('(specifier) => import(specifier)', {
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }).runInThisContext() as typeof importModule;
  }
  return importer(specifier);
}

/**
 * `audit` (text and JSON) and `reach` (text and JSON) of the made-up host, on both netfilter
 * backends, their output to a scratch file. Commands build their state per run (the command
 * tree, the context, the report), so nothing of these runs is left for the real one but
 * compiled code: test/unit/startup/snapshot.test.ts compares every output with and without the blob.
 */
async function warmUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-warm-up-'));
  try {
    for (const backend of ['legacy', 'nft'] as const) {
      const snapshot = join(dir, `${backend}.json`);
      writeFileSync(snapshot, JSON.stringify(warmUpHost(backend)));
      const output = join(dir, 'out');
      for (const args of [['audit', '--fail-on', 'none'], ['audit', '--format', 'json', '--fail-on', 'none'], ['reach'], ['reach', '--json']]) {
        await runCli([process.execPath, 'clawmoat', ...args, '--snapshot', snapshot, '-o', output]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = undefined;
  }
}
