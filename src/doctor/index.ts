import { buildContext, type AnalysisOptions } from '../model/context.js';
import type { Snapshot } from '../snapshot/types.js';
import { symptomIdOf } from './catalogue.js';
import type { Session, Symptom } from './symptom.js';
import { containerNetwork } from './symptoms/container-network.js';
import { dockerPublish } from './symptoms/docker-publish.js';
import { internetExposure } from './symptoms/internet-exposure.js';
import { remoteAccess } from './symptoms/remote-access.js';
import { ufwLockout } from './symptoms/ufw-lockout.js';
import { DOCTOR_VERSION, type DoctorReport, type DoctorResult } from './types.js';

/** Every symptom, in the catalogue's order (SYMPTOM_IDS: the guide's, then the doors'). */
export const SYMPTOMS: readonly Symptom[] = [remoteAccess, ufwLockout, containerNetwork, dockerPublish, internetExposure];

/** A symptom by id or alias (case-insensitive), or undefined. */
export function findSymptom(name: string): Symptom | undefined {
  const id = symptomIdOf(name);
  return SYMPTOMS.find((s) => s.meta.id === id);
}

/** The doctor, from a snapshot to a report. Pure: no I/O. */
export function runDoctor(snapshot: Snapshot, symptoms: readonly Symptom[] = SYMPTOMS, session: Session = {}, options: AnalysisOptions = {}): DoctorReport {
  const analysis = buildContext(snapshot, options);
  const results: DoctorResult[] = symptoms.map((s) => {
    const d = s.diagnose({ analysis, session });
    return { id: s.meta.id, title: s.meta.title, question: s.meta.question, ...d };
  });
  const count = (status: DoctorResult['status']) => results.filter((r) => r.status === status).length;
  return {
    schemaVersion: DOCTOR_VERSION,
    tool: { name: 'clawmoat', version: snapshot.tool.version },
    host: { hostname: snapshot.host.hostname, collectedAt: snapshot.collectedAt },
    results,
    summary: { problem: count('problem'), ok: count('ok'), unknown: count('unknown') },
  };
}
