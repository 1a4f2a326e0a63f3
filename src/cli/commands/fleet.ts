import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FLEET_FORMATS } from '../../fleet/render.js';
import { DOCUMENT_FORMATS } from '../../report/html/load.js';
import { processIo } from '../io.js';
import { PathOption } from '../paths.js';
import type { FleetFlags } from './fleet-run.js';
import { MAX_SNAPSHOT_BYTES } from '../../snapshot/io.js';

function jobsOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new InvalidArgumentError('a whole number from 1 to 64');
  return Number(value);
}

export function registerFleet(program: Command): void {
  program
    .command('fleet')
    .description("audit many snapshots at once: hosts × checks, worst host first, each gateway's exposure by zone, the hosts that could not be read")
    .argument('<paths...>', "snapshots (`clawmoat collect -o FILE`), or directories of them (*.json, and the collection script's raw *.out)")
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FLEET_FORMATS, ...DOCUMENT_FORMATS]).default('text'))
    .option('--json', 'same as --format json')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a host has a finding (fail or unknown) at or above this severity; with --baseline, only when one is new')
        .choices(['info', 'warn', 'critical', 'none'])
        .default('warn'),
    )
    .addOption(
      new PathOption(
        '--baseline <path>',
        'compare with a previous run: a `fleet --format json` report, or a directory of snapshots or `audit --format json` reports (matched by file name, as hosts are named)',
        'input-or-dir',
        'pass a report written by `clawmoat fleet --format json -o FILE`, or the directory of the previous snapshots',
        MAX_SNAPSHOT_BYTES,
      ),
    )
    .option('--zone <NAME=IFACE[:SRC]>', 'an extra zone on every host: clients on IFACE (from SRC); repeatable', (v: string, p: string[] = []) => [...p, v])
    .addOption(
      new Option('-j, --jobs <n>', 'audit this many snapshots at once, in worker threads (1: one at a time, in this thread)')
        .argParser(jobsOption)
        .default(Math.min(availableParallelism(), 8), 'the number of CPUs, at most 8'),
    )
    .option('--no-color', 'accepted for symmetry: the fleet report has no colours')
    .addOption(new PathOption('-o, --output <file>', 'write the report to a file instead of stdout (atomically: temp file, then rename)', 'output', ''))
    .addHelpText(
      'after',
      `
Examples:
  $ clawmoat fleet snapshots/                          # every snapshots/*.json, worst host first
  $ clawmoat fleet web1.json web2.json --format markdown
  $ clawmoat fleet snapshots/ --json | jq '.hosts[] | select(.exposure.internet > 0) | .host'
  $ clawmoat fleet snapshots/ --format json -o last.json
  $ clawmoat fleet snapshots/ --baseline last.json     # only what changed since: new, resolved, reach opened/closed
  $ clawmoat fleet snapshots/ --format sarif -o fleet.sarif   # one result per host × finding, for code scanning
  $ clawmoat fleet snapshots/ --format junit -o fleet.xml     # one testsuite per host, for CI dashboards
  $ clawmoat fleet snapshots/ --format prometheus -o /var/lib/prometheus/node-exporter/clawmoat.prom
  $ clawmoat fleet snapshots/ --format html -o fleet.html   # one page: hosts × checks, each host linked

A file that cannot be read as a snapshot (truncated, empty, another version) is one line in the
report, with the reason; the others are still analysed. HOST.failed.json, written by the Ansible
play (ansible/audit.yml) for a host it could not reach or read, is that host's line with
Ansible's reason.
Exit codes: 0 nothing at or above --fail-on, 1 a host has a finding at or above it (with
--baseline: a NEW one, or one raised to it, so a timer alerts on change; a host absent from the
baseline counts as new) or a file could not be read, 2 usage or runtime error.
JSON schema: schema/fleet.schema.json (docs/fleet-format.md). Prometheus metrics and alert rules:
docs/fleet-format.md and deploy/prometheus/clawmoat.rules.yml.`,
    )
    .action(async (paths: string[], flags: FleetFlags) => {
      process.exitCode = await (await import('./fleet-run.js')).runFleet(paths, flags, processIo());
    });
}
