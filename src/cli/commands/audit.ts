import { Option, type Command } from 'commander';
import { refuseAlone } from '../flag-needs.js';
import { REPORT_FORMATS } from '../../report/formats.js';
import { analyseOptions, obtainSnapshot, preload, zoneSpecs } from './shared.js';
import { checkProbeTarget, probeOptions, probeSettings } from './probe-options.js';
import { PathOption } from '../paths.js';
import { DOCUMENT_FORMATS, documentWriter, isDocumentFormat } from '../../report/html/load.js';
import type { AuditFlags } from './audit-run.js';
import { processIo } from '../io.js';

export function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description('check this host against the OpenClaw network-isolation guide: each item pass, fail or unknown, with evidence and the fix')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...REPORT_FORMATS, ...DOCUMENT_FORMATS]).default('text'))
    .addOption(new Option('--json', 'same as --format json').conflicts('format'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding (fail or unknown) is at or above this severity')
        .choices(['info', 'warn', 'critical', 'none'])
        .default('warn'),
    )
    .addOption(new PathOption('-o, --output <file>', 'write the report to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours in text output (NO_COLOR is honoured too)')
    .addOption(
      new PathOption(
        '--baseline <file>',
        'compare with a previous run (its `audit --format json` report, or its snapshot): findings new, resolved, changed in severity; reach cells opened or closed. Exit 1 only when something NEW is at or above --fail-on',
        'input',
        'pass a report written by `clawmoat audit --format json -o FILE`',
        512 * 1024 * 1024,
      ),
    )
    .option('--probe', 'also connect for real (see `clawmoat probe`): adds probe.auth.none, probe.auth.open and probe.mismatch')
    .addHelpText(
      'after',
      `
Examples:
  $ npx clawmoat audit                         # the checklist for this host
  $ sudo clawmoat audit                        # as root: every socket owner and the firewall rules
  $ clawmoat audit --json | jq '.findings[].id'
  $ clawmoat audit --format sarif -o clawmoat.sarif --fail-on critical
  $ sudo clawmoat audit --format html -o report.html   # one page to open offline (pdf: needs Chromium)
  $ clawmoat audit --compose ./docker-compose.yml
  $ clawmoat audit --zone office=eth1:192.168.1.50   # judge exposure from that zone too
  $ clawmoat audit --snapshot host.json        # a snapshot from \`clawmoat collect\`
  $ clawmoat audit --snapshot host.json --compose ./compose.yaml   # this compose file on that host
  $ sudo clawmoat audit --probe --via ssh://me@elsewhere.example   # prove it from outside
  $ clawmoat audit --snapshot host.json --baseline last.json   # what changed since last.json (a --format json report)
  $ sudo clawmoat audit --format prometheus -o /var/lib/prometheus/node-exporter/clawmoat.prom

With --snapshot, --compose files are read here and checked against the snapshot's host (in place
of the compose files in the snapshot); --openclaw-config and --ufw-status read this host, so they
are refused with --snapshot: give them to \`clawmoat collect\` instead.
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (with --baseline: a finding
NEW since the baseline, or raised to it, so a timer alerts on change, not on a steady state), 2 usage
or runtime error. --format prometheus writes node_exporter's textfile format (docs/fleet-format.md).
Checks and their ids: \`clawmoat checks\` and docs/checks.md. Report schema: schema/report.schema.json.`,
    );
  probeOptions(analyseOptions(command)).action(async (flags: AuditFlags) => {
    const io = processIo();
    const started = io.now();
    const format = flags.json ? 'json' : flags.format;
    const document = isDocumentFormat(format) ? await documentWriter(format, flags.output) : undefined;
    const zones = zoneSpecs(flags);
    // Naming a vantage point or a target asks for a probe as clearly as --probe does. The probe's
    // flags are checked either way: a bad --timeout is refused, not ignored.
    const checked = probeSettings(flags);
    const settings = flags.probe || flags.netns || flags.via || flags.target !== undefined ? checked : undefined;
    refuseAlone(
      command,
      { timeout: '--timeout', concurrency: '--concurrency', adaptiveTimeout: '--no-adaptive-timeout' },
      '--probe (or --netns, --via, --target)',
      settings !== undefined,
    );
    if (settings) checkProbeTarget(flags);
    // The analysis and the renderers (audit-run.ts, one chunk of the bundle) load while the
    // snapshot is read, not when the command is registered; the prober only when asked.
    const run = preload(() => import('./audit-run.js'));
    const snapshot = await obtainSnapshot(flags, () => void run());
    process.exitCode = await (
      await run()
    ).runAudit(snapshot, flags, { started, format, zones, ...(document ? { document } : {}), ...(settings ? { settings } : {}) }, io);
  });
}
