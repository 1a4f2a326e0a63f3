import type { AnalysisContext } from '../model/context.js';
import type { Diagnosis } from './types.js';

/**
 * One symptom from the guide's "common issues" table: its metadata beside a pure
 * diagnosis over the analysis context (no I/O, no clock, no environment), like a check.
 */

/** Where the user is, when doctor reads this host (never when it reads a snapshot file). */
export interface Session {
  /** Login name on this host, for the tunnel command (SUDO_USER or USER). */
  login?: string;
  /** SSH_CONNECTION of this process: the server address the user already reaches over SSH. */
  sshConnection?: string;
}

export interface DoctorContext {
  analysis: AnalysisContext;
  session: Session;
}

export interface SymptomMeta {
  id: string;
  title: string;
  /** The question as a user asks it. */
  question: string;
  /** Other names accepted on the command line. */
  aliases: readonly string[];
}

export interface Symptom {
  meta: SymptomMeta;
  diagnose(ctx: DoctorContext): Diagnosis;
}
