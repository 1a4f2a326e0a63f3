import type { Log, Notification, ReportingDescriptor, Result } from 'sarif';
import { withTrailingNewline, type RenderOptions } from '../report/common.js';
import {
  FINGERPRINT_KEY,
  LEVEL,
  fingerprintOf,
  SARIF_SCHEMA,
  SARIF_VERSION,
  SECURITY_SEVERITY,
  SRCROOT,
  UriMaker,
  baselineStatesOf,
  plainText,
  stableText,
} from '../report/sarif.js';
import type { FleetHost, FleetReport, FleetUnreadable } from './types.js';

/**
 * The pseudo-rule of a host that could not be read: its state is unknown, which code scanning and
 * CI must see as a result, not only as a notification most viewers fold away.
 */
export const UNREADABLE_RULE = 'fleet.host_unreadable';

type FleetFinding = FleetHost['findings'][number];

/**
 * `fleet --format sarif`: one run, one rule per check, one result per host × finding. The host is
 * in each result's logical location (kind "host") and in `properties.host`; the physical location
 * is the snapshot the host was read from, so a CI job that keeps the snapshots in its workspace
 * can link to them. A host that could not be read is a result of {@link UNREADABLE_RULE} (kind
 * "review": nothing is known of it) and a notification. With `--baseline`, each result carries
 * SARIF's `baselineState` (new, updated, unchanged).
 */
export function renderFleetSarif(report: FleetReport, options: RenderOptions = {}): string {
  const uris = new UriMaker(options.workingDirectory);
  const rules: ReportingDescriptor[] = report.checks.map((c) => ({
    id: c.id,
    name: c.id,
    shortDescription: { text: c.title },
    fullDescription: { text: options.checkDocs?.[c.id] ?? c.title },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: { tags: ['security'], 'security-severity': SECURITY_SEVERITY[c.severity] },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results: Result[] = report.hosts.flatMap((h) => {
    const states = baselineStates(h, report.baseline !== undefined);
    return h.findings.map((f, i) => hostResult(h, f, ruleIndex.get(f.id), uris, states?.[i]));
  });
  if (report.unreadable.length > 0) {
    ruleIndex.set(UNREADABLE_RULE, rules.length);
    rules.push({
      id: UNREADABLE_RULE,
      name: UNREADABLE_RULE,
      shortDescription: { text: 'Host could not be read' },
      fullDescription: {
        text: 'The host was not audited: its snapshot could not be read, or its collection failed (unreachable, sudo refused, output cut short). Its state is unknown, never a pass.',
      },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security'] },
    });
    results.push(...report.unreadable.map((u) => unreadableResult(u, ruleIndex.get(UNREADABLE_RULE)!, uris)));
  }
  const notifications: Notification[] = [
    ...report.unreadable.map((u): Notification => ({ level: 'error', message: { text: plainText(`${u.host ?? u.file}: ${u.reason}`) } })),
    ...report.hosts.flatMap((h) => h.limitations.map((text): Notification => ({ level: 'warning', message: { text: plainText(`${h.host}: ${text}`) } }))),
  ];
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version, rules } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        originalUriBaseIds: {
          [SRCROOT]: uris.root
            ? { uri: uris.root, description: { text: 'The directory clawmoat ran in; snapshots inside it are named relative to it.' } }
            : { description: { text: 'The directory clawmoat ran in (not recorded); snapshots given by a relative path are relative to it.' } },
        },
        results,
        properties: {
          summary: report.summary,
          hosts: report.hosts.map((h) => ({
            host: h.host,
            hostname: h.hostname,
            file: h.file,
            collectedAt: h.collectedAt,
            worst: h.worst,
            exposure: h.exposure,
            undecided: h.undecided,
          })),
          ...(report.baseline ? { baseline: report.baseline } : {}),
        },
      },
    ],
  };
  return withTrailingNewline(JSON.stringify(log, null, 2));
}

function hostResult(h: FleetHost, f: FleetFinding, ruleIndex: number | undefined, uris: UriMaker, baselineState: Result['baselineState']): Result {
  return {
    ruleId: f.id,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind: f.status === 'fail' ? 'fail' : 'review',
    level: f.status === 'fail' ? LEVEL[f.severity] : 'none',
    message: { text: plainText(`${h.host}: ${f.message || f.title}`) },
    locations: [
      {
        physicalLocation: { artifactLocation: uris.artifact(h.file) },
        logicalLocations: [{ name: h.host, fullyQualifiedName: h.host, kind: 'host' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf([h.host, f.id, stableText(f.message)]) },
    ...(baselineState ? { baselineState } : {}),
    properties: { host: h.host, hostname: h.hostname, severity: f.severity, status: f.status, collectedAt: h.collectedAt },
  };
}

function unreadableResult(u: FleetUnreadable, ruleIndex: number, uris: UriMaker): Result {
  const name = u.host ?? u.file;
  return {
    ruleId: UNREADABLE_RULE,
    ruleIndex,
    kind: 'review',
    level: 'none',
    message: { text: plainText(`${name}: ${u.reason}`) },
    locations: [
      {
        physicalLocation: { artifactLocation: uris.artifact(u.file) },
        ...(u.host ? { logicalLocations: [{ name: u.host, fullyQualifiedName: u.host, kind: 'host' }] } : {}),
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprintOf([name, UNREADABLE_RULE]) },
    properties: { ...(u.host ? { host: u.host } : {}), file: u.file, status: 'unknown', reason: u.reason },
  };
}

/** Each finding's SARIF baselineState when the run has a baseline (report/sarif.ts): a host absent from the baseline has no drift, so all new. */
function baselineStates(h: FleetHost, hasBaseline: boolean): Result['baselineState'][] | undefined {
  return hasBaseline ? baselineStatesOf(h.findings, h.drift) : undefined;
}
