import type { SymptomId } from '../../doctor/catalogue.js';
import { runDoctor, SYMPTOMS } from '../../doctor/index.js';
import { renderDoctor } from '../../doctor/render.js';
import type { Session } from '../../doctor/symptom.js';
import type { Snapshot } from '../../snapshot/types.js';
import { emit, useColor } from '../output.js';
import { zoneSpecs, type AnalyseFlags } from './shared.js';

/** `clawmoat doctor`, once the host is read: the symptoms' diagnoses, rendered. */

export interface DoctorFlags extends AnalyseFlags {
  json?: boolean;
  output?: string;
  color?: boolean;
}

/** Who is asking, on this host: only when doctor reads this host, never for a snapshot taken elsewhere. */
function sessionOf(flags: DoctorFlags): Session {
  if (flags.snapshot) return {};
  const login = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME;
  return { ...(login ? { login } : {}), ...(process.env.SSH_CONNECTION ? { sshConnection: process.env.SSH_CONNECTION } : {}) };
}

export async function runDoctorCommand(snapshot: Snapshot, only: SymptomId | undefined, flags: DoctorFlags): Promise<void> {
  const symptoms = only === undefined ? SYMPTOMS : SYMPTOMS.filter((s) => s.meta.id === only);
  const report = runDoctor(snapshot, symptoms, sessionOf(flags), { zones: zoneSpecs(flags) });
  const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report, { color: !flags.output && useColor(flags.color) });
  await emit(text, flags.output);
  process.exitCode = report.summary.problem > 0 ? 1 : 0;
}
