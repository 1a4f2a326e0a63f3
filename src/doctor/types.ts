import type { Evidence } from '../checks/types.js';

/**
 * What `clawmoat doctor --json` prints (docs/doctor.md, schema/doctor.schema.json).
 * Bump DOCTOR_VERSION on any change an older reader would misread.
 */
export const DOCTOR_VERSION = 1;

/**
 * `problem`: the cause was found on this host. `ok`: this host does not have it (the
 * cause says what was seen instead). `unknown`: it could not be checked; the cause says
 * what was not checked and why.
 */
export type DoctorStatus = 'ok' | 'problem' | 'unknown';

export interface DoctorFix {
  /** What to do, in a sentence or two. */
  text: string;
  /** Exact commands, in order; the ones to run elsewhere say where. */
  commands?: string[];
  /** A unified diff of a file on this host (a compose file), secrets masked. */
  diff?: string;
}

export interface Diagnosis {
  status: DoctorStatus;
  /** One line: the cause (problem), why this is not it (ok), or what was not checked and why (unknown). */
  cause: string;
  /** What was seen on the host: sockets, rules, files, containers. */
  saw: Evidence[];
  fix?: DoctorFix;
}

export interface DoctorResult extends Diagnosis {
  /** Stable id: remote-access, ufw-lockout, container-network, docker-publish. */
  id: string;
  title: string;
  /** The question a user asks, in their words. */
  question: string;
}

export interface DoctorReport {
  schemaVersion: typeof DOCTOR_VERSION;
  tool: { name: 'clawmoat'; version: string };
  host: { hostname: string; collectedAt: string };
  results: DoctorResult[];
  summary: { problem: number; ok: number; unknown: number };
}
