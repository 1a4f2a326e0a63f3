import type { CheckResultKind, Severity } from '../checks/types.js';
import type { Drift, ReachCellSummary, Report, ZoneKindName } from '../report/types.js';

export const FLEET_REPORT_VERSION = 1;

/** `clawmoat fleet --format json`. Published in schema/fleet.schema.json; scripts depend on these names. */
export interface FleetReport {
  schemaVersion: typeof FLEET_REPORT_VERSION;
  tool: { name: 'clawmoat'; version: string };
  /** Every host read, worst first (by its worst finding, then its number of findings, then name). */
  hosts: FleetHost[];
  /** Files that could not be read as a snapshot, and hosts whose collection failed (`HOST.failed.json`), each with the one-line reason: never a pass. */
  unreadable: FleetUnreadable[];
  /** The checks, in catalogue order: the columns of the hosts × checks table. */
  checks: { id: string; title: string; severity: Severity }[];
  summary: {
    hosts: number;
    unreadable: number;
    /** Findings per severity over all hosts. */
    critical: number;
    warn: number;
    info: number;
    /** Hosts whose gateway is open to a zone of that kind (loopback not counted). */
    exposed: Record<ZoneKindName, number>;
    /** Hosts with a gateway cell of that kind that could not be decided (loopback not counted): not "not reachable". */
    undecided: Record<ZoneKindName, number>;
  };
  /** With `--baseline`: what was compared against. */
  baseline?: { source: string; missing: string[] };
}

export interface FleetHost {
  /**
   * The host's inventory name: its file's name without `.json` (the path when two files share a
   * name), unique by construction (fleet/inventory.ts). The `host` label of every series, and the
   * key a baseline is matched by. Never the name the snapshot declares: the host chooses that.
   */
  host: string;
  /** The hostname the snapshot declares (chosen by the host): shown beside `host` when it differs. */
  hostname: string;
  /** The file it was read from. */
  file: string;
  collectedAt: string;
  /** The worst severity among its findings; "none" when it has none. */
  worst: Severity | 'none';
  /** Each check id → its result. */
  checks: Record<string, CheckResultKind>;
  findings: { id: string; severity: Severity; status: 'fail' | 'unknown'; title: string; message: string }[];
  summary: Report['summary'];
  /** Open cells of the gateway's rows per zone kind. */
  exposure: Record<ZoneKindName, number>;
  /** Cells of the gateway's rows per zone kind that could not be decided (verdict unknown). */
  undecided: Record<ZoneKindName, number>;
  /** The open cells of the reach matrix (what a later `fleet --baseline` compares). */
  reach: ReachCellSummary[];
  limitations: string[];
  /** With `--baseline`: what changed on this host; absent when the baseline has no such host. */
  drift?: Drift;
}

export interface FleetUnreadable {
  file: string;
  /** The host, when the file says which (a collection-failure record, `HOST.failed.json`). */
  host?: string;
  /** One line: why it could not be read (truncated, empty, another schema version...). */
  reason: string;
}
