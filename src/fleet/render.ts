import { sanitize, withTrailingNewline, type RenderOptions } from '../report/common.js';
import { driftLines, driftMarkdown } from '../report/drift.js';
import { cell, code } from '../report/markdown.js';
import { ZONE_KINDS, exposureLine, kindsWith } from '../report/exposure.js';
import { CHECK_STATUS_VALUE, HELP, family, runFamilies } from '../report/prometheus.js';
import type { CheckResultKind } from '../checks/types.js';
import { renderFleetJunit } from './junit.js';
import { renderFleetSarif } from './sarif.js';
import type { FleetHost, FleetReport, FleetUnreadable } from './types.js';

export const FLEET_FORMATS = ['text', 'json', 'markdown', 'sarif', 'junit', 'prometheus'] as const;
export type FleetFormat = (typeof FLEET_FORMATS)[number];

const MARK: Record<CheckResultKind, string> = { pass: '.', fail: 'F', unknown: '?', skipped: '-' };

/** An unreadable row by its host when known (a collection-failure record), else by its file. */
export function unreadableName(u: FleetUnreadable): string {
  return u.host ? `${u.host} (${u.file})` : u.file;
}

/** ", declares hostname X" when the snapshot's own name differs from its inventory name (the host chose it). */
export function declared(h: FleetHost): string {
  return h.hostname !== h.host ? `, declares hostname ${h.hostname}` : '';
}

function counts(h: FleetHost): string {
  return `${h.summary.critical} critical, ${h.summary.warn} warn, ${h.summary.info} info`;
}

/** Plain text: one block per host (worst first), the hosts × checks grid, then the hosts that could not be read. */
export function renderFleetText(report: FleetReport): string {
  const s = report.summary;
  const out: string[] = [
    `clawmoat fleet: ${s.hosts} host${s.hosts === 1 ? '' : 's'} read, ${s.unreadable} unreadable; findings ${s.critical} critical, ${s.warn} warn, ${s.info} info`,
  ];
  const exposed = kindsWith(s.exposed).map((k) => `${s.exposed[k]} to ${k}`);
  const undecided = kindsWith(s.undecided).map((k) => `${s.undecided[k]} for ${k}`);
  // An undecided cell, or a host not read, is never "not reachable": say "none known" and count
  // those hosts apart.
  const none = undecided.length > 0 || s.unreadable > 0 ? `none known beyond loopback among the ${s.hosts} read` : 'none beyond loopback';
  out.push(
    `gateways exposed: ${exposed.length === 0 ? none : exposed.join(', ')}${undecided.length > 0 ? `; could not decide: ${undecided.join(', ')}` : ''}${s.unreadable > 0 ? `; ${s.unreadable} host${s.unreadable === 1 ? '' : 's'} not read (unknown)` : ''}`,
    '',
  );
  for (const h of report.hosts) {
    out.push(`${h.worst === 'none' ? 'ok  ' : h.worst.toUpperCase().padEnd(4)} ${h.host}  (${h.file}${declared(h)}, collected ${h.collectedAt})`);
    out.push(`     gateway reachable from: ${exposureLine(h.exposure, h.undecided)}; ${counts(h)}`);
    for (const f of h.findings) out.push(`     ${f.severity.padEnd(8)} ${f.id}${f.status === 'unknown' ? ' (unknown)' : ''}: ${f.message}`);
    if (h.drift) out.push(...driftLines(h.drift, '     '));
  }
  if (report.baseline && report.baseline.missing.length > 0) out.push('', `in the baseline, not in this run: ${report.baseline.missing.join(', ')}`);
  if (report.unreadable.length > 0) {
    out.push('', 'could not be read (their state is unknown):');
    for (const u of report.unreadable) out.push(`  ${unreadableName(u)}: ${u.reason}`);
  }
  if (report.hosts.length > 0) {
    out.push(
      '',
      `checks (${Object.entries(MARK)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}):`,
    );
    const width = Math.max(...report.hosts.map((h) => sanitize(h.host).length));
    for (const h of report.hosts) out.push(`  ${sanitize(h.host).padEnd(width)}  ${report.checks.map((c) => MARK[h.checks[c.id] ?? 'skipped']).join('')}`);
    out.push('', 'columns:', ...report.checks.map((c, i) => `  ${String(i + 1).padStart(3)} ${c.id} (${c.severity})`));
  }
  // Host names, file names, messages and reasons come from the hosts' snapshots (a hostile host's
  // user chooses some): every line is shown escaped, as the audit's text report does, so none can
  // drive the console or forge another host's line.
  return withTrailingNewline(out.map((line) => sanitize(line)).join('\n'));
}

export function renderFleetJson(report: FleetReport): string {
  return withTrailingNewline(JSON.stringify(report, null, 2));
}

export function renderFleetMarkdown(report: FleetReport): string {
  const s = report.summary;
  const out: string[] = [
    '# clawmoat fleet',
    '',
    `**${s.hosts}** hosts read, **${s.unreadable}** unreadable — findings: ${s.critical} critical · ${s.warn} warn · ${s.info} info`,
    '',
  ];
  out.push('| Host | Worst | Gateway reachable from | Critical | Warn | Info |', '|---|---|---|---|---|---|');
  for (const h of report.hosts)
    out.push(
      `| ${cell(h.host)} | ${h.worst} | ${cell(exposureLine(h.exposure, h.undecided))} | ${h.summary.critical} | ${h.summary.warn} | ${h.summary.info} |`,
    );
  out.push('');
  if (report.unreadable.length > 0) {
    out.push('## Could not be read', '', ...report.unreadable.map((u) => `- ${u.host ? `**${cell(u.host)}** ` : ''}${code(u.file)}: ${cell(u.reason)}`), '');
  }
  if (report.hosts.length > 0) {
    out.push('## Checks', '', `| Check | ${report.hosts.map((h) => cell(h.host)).join(' | ')} |`, `|---|${report.hosts.map(() => '---').join('|')}|`);
    for (const c of report.checks) out.push(`| ${cell(c.id)} | ${report.hosts.map((h) => h.checks[c.id] ?? '').join(' | ')} |`);
    out.push('');
  }
  for (const h of report.hosts) {
    if (h.findings.length === 0 && !h.drift) continue;
    out.push(`## ${cell(h.host)}`, '');
    for (const f of h.findings) out.push(`- **${f.severity}** \`${f.id}\`${f.status === 'unknown' ? ' (unknown)' : ''}: ${cell(f.message)}`);
    out.push('');
    if (h.drift) out.push(...driftMarkdown(h.drift, '###'));
  }
  return withTrailingNewline(out.join('\n').replace(/\n+$/, ''));
}

/** One textfile for the whole fleet: every per-host series with a `host` label. */
export function renderFleetPrometheus(report: FleetReport, options: RenderOptions = {}): string {
  const hosts = report.hosts;
  return withTrailingNewline(
    [
      ...family(
        'clawmoat_check_status',
        HELP.checkStatus,
        hosts.flatMap((h) =>
          report.checks
            .filter((c) => h.checks[c.id] !== undefined)
            .map((c): [Record<string, string>, number] => [{ host: h.host, check: c.id, severity: c.severity }, CHECK_STATUS_VALUE[h.checks[c.id]!]]),
        ),
      ),
      ...family(
        'clawmoat_findings',
        HELP.findings,
        hosts.flatMap((h) =>
          (['critical', 'warn', 'info'] as const).map((s): [Record<string, string>, number] => [{ host: h.host, severity: s }, h.summary[s]]),
        ),
      ),
      ...family(
        'clawmoat_gateway_exposed',
        HELP.exposed,
        hosts.flatMap((h) => ZONE_KINDS.map((k): [Record<string, string>, number] => [{ host: h.host, zone_kind: k }, h.exposure[k]])),
      ),
      ...family(
        'clawmoat_gateway_exposure_unknown',
        HELP.exposureUnknown,
        hosts.flatMap((h) => ZONE_KINDS.map((k): [Record<string, string>, number] => [{ host: h.host, zone_kind: k }, h.undecided[k]])),
      ),
      ...family(
        'clawmoat_host_info',
        HELP.hostInfo,
        hosts.map((h): [Record<string, string>, number] => [{ host: h.host, hostname: h.hostname }, 1]),
      ),
      ...family(
        'clawmoat_snapshot_collected_timestamp_seconds',
        HELP.collected,
        hosts.map((h): [Record<string, string>, number] => [{ host: h.host }, Date.parse(h.collectedAt) / 1000]),
      ),
      ...family('clawmoat_fleet_hosts', 'Hosts in the fleet run, by whether their snapshot could be read.', [
        [{ state: 'read' }, report.summary.hosts],
        [{ state: 'unreadable' }, report.summary.unreadable],
      ]),
      ...runFamilies(options),
    ].join('\n'),
  );
}

export function renderFleet(report: FleetReport, format: FleetFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return renderFleetJson(report);
    case 'markdown':
      return renderFleetMarkdown(report);
    case 'prometheus':
      return renderFleetPrometheus(report, options);
    case 'sarif':
      return renderFleetSarif(report, options);
    case 'junit':
      return renderFleetJunit(report);
    default:
      return renderFleetText(report);
  }
}
