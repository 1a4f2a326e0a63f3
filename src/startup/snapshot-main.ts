import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startupSnapshot } from 'node:v8';
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
  const blob = process.execArgv.indexOf('--snapshot-blob');
  if (blob >= 0) process.execArgv.splice(blob, 2);
  void runCli(process.argv);
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
      for (const args of [
        ['audit', '--fail-on', 'none'],
        ['audit', '--format', 'json', '--fail-on', 'none'],
        ['reach'],
        ['reach', '--json'],
      ]) {
        await runCli([process.execPath, 'clawmoat', ...args, '--snapshot', snapshot, '-o', output]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = undefined;
  }
}
