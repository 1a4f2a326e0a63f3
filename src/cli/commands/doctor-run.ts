import type { SymptomId } from '../../doctor/catalogue.js';
import { runDoctor, SYMPTOMS } from '../../doctor/index.js';
import { renderDoctor } from '../../doctor/render.js';
import type { Session } from '../../doctor/symptom.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { CommandIo } from '../io.js';
import { emit, useColor } from '../output.js';
import { zoneSpecs, type AnalyseFlags } from './shared.js';

/** `clawmoat doctor`, once the host is read: the symptoms' diagnoses, rendered. */

export interface DoctorFlags extends AnalyseFlags {
  json?: boolean;
  output?: string;
  color?: boolean;
}

/** Who is asking, on this host: only when doctor reads this host, never for a snapshot taken elsewhere. */
function sessionOf(flags: DoctorFlags, env: CommandIo['env']): Session {
  if (flags.snapshot) return {};
  const login = env.SUDO_USER || env.USER || env.LOGNAME;
  return { ...(login ? { login } : {}), ...(env.SSH_CONNECTION ? { sshConnection: env.SSH_CONNECTION } : {}) };
}

/** Returns the exit code: 1 when a symptom's cause was found on the host, else 0. */
export async function runDoctorCommand(snapshot: Snapshot, only: SymptomId | undefined, flags: DoctorFlags, io: CommandIo): Promise<0 | 1> {
  const symptoms = only === undefined ? SYMPTOMS : SYMPTOMS.filter((s) => s.meta.id === only);
  const report = runDoctor(snapshot, symptoms, sessionOf(flags, io.env), { zones: zoneSpecs(flags) });
  const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report, { color: !flags.output && useColor(flags.color, io) });
  await emit(text, flags.output, io);
  return report.summary.problem > 0 ? 1 : 0;
}
