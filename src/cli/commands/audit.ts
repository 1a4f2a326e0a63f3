import { Option, type Command } from 'commander';
import { auditSnapshot, exitCodeFor } from '../../audit.js';
import { CHECKS } from '../../checks/catalogue.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../report/index.js';
import type { Severity } from '../../checks/types.js';
import { emit, useColor } from '../output.js';
import { analyseOptions, obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';

interface AuditFlags extends AnalyseFlags {
  format: ReportFormat;
  json?: boolean;
  failOn: Severity | 'none';
  output?: string;
  color?: boolean;
}

export function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description("check this host against the OpenClaw network-isolation guide: each item pass, fail or unknown, with evidence and the fix")
    .addOption(new Option('-f, --format <format>', 'output format').choices([...REPORT_FORMATS]).default('text'))
    .option('--json', 'same as --format json')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding (fail or unknown) is at or above this severity').choices(['info', 'warn', 'critical', 'none']).default('warn'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--no-color', 'no colours in text output (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ npx clawmoat audit                         # the checklist for this host
  $ sudo clawmoat audit                        # as root: every socket owner and the firewall rules
  $ clawmoat audit --json | jq '.findings[].id'
  $ clawmoat audit --format sarif -o clawmoat.sarif --fail-on critical
  $ clawmoat audit --compose ./docker-compose.yml
  $ clawmoat audit --zone office=eth1:192.168.1.50   # judge exposure from that zone too
  $ clawmoat audit --snapshot host.json        # a snapshot from \`clawmoat collect\`

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or runtime error.
Checks and their ids: \`clawmoat checks\` and docs/checks.md. Report schema: schema/report.schema.json.`,
    );
  analyseOptions(command).action(async (flags: AuditFlags) => {
    const format: ReportFormat = flags.json ? 'json' : flags.format;
    const zones = zoneSpecs(flags);
    const report = auditSnapshot(await obtainSnapshot(flags), { zones });
    const checkDocs = Object.fromEntries(CHECKS.map((c) => [c.meta.id, c.meta.docs]));
    const text = renderReport(report, format, { color: format === 'text' && !flags.output && useColor(flags.color), checkDocs });
    await emit(text, flags.output);
    process.exitCode = exitCodeFor(report, flags.failOn);
  });
}
