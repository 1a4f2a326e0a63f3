import type { Command } from 'commander';
import { findSymptom, runDoctor, SYMPTOMS } from '../../doctor/index.js';
import { renderDoctor } from '../../doctor/render.js';
import type { Session } from '../../doctor/symptom.js';
import { UserError } from '../../snapshot/io.js';
import { emit, useColor } from '../output.js';
import { analyseOptions, obtainSnapshot, zoneSpecs, type AnalyseFlags } from './shared.js';
import { PathOption } from '../paths.js';

/**
 * `clawmoat doctor [symptom]`: the guide's common issues, each diagnosed from this host's
 * real state. Collects once (or reads --snapshot), then every symptom is pure analysis.
 */

interface DoctorFlags extends AnalyseFlags {
  json?: boolean;
  output?: string;
  color?: boolean;
}

function symptomList(): string {
  return SYMPTOMS.map((s) => `  ${s.meta.id.padEnd(18)} ${s.meta.question} (also: ${s.meta.aliases.join(', ')})`).join('\n');
}

/** Who is asking, on this host: only when doctor reads this host, never for a snapshot taken elsewhere. */
function sessionOf(flags: DoctorFlags): Session {
  if (flags.snapshot) return {};
  const login = process.env.SUDO_USER || process.env.USER || process.env.LOGNAME;
  return { ...(login ? { login } : {}), ...(process.env.SSH_CONNECTION ? { sshConnection: process.env.SSH_CONNECTION } : {}) };
}

export function registerDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .argument('[symptom]', `one symptom to check (default: all): ${SYMPTOMS.map((s) => s.meta.id).join(', ')}`)
    .description("diagnose the guide's common issues from this host's real state: what was seen, the cause, and the fix")
    .option('--json', 'print the results as JSON (docs/doctor.md, schema/doctor.schema.json)')
    .addOption(new PathOption('-o, --output <file>', 'write to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Symptoms:
${symptomList()}

Examples:
  $ sudo clawmoat doctor                      # all five, from this host
  $ sudo clawmoat doctor remote-access        # "I can't reach the gateway from another machine"
  $ sudo clawmoat doctor internet-exposure    # "why is it reachable from the internet?": the doors, file:line, fix
  $ sudo clawmoat doctor ufw-lockout          # before \`ufw enable\`: would it lock me out?
  $ clawmoat doctor docker-publish --compose ./docker-compose.yml   # with the compose diff
  $ clawmoat doctor --snapshot host.json --json | jq '.results[] | select(.status=="problem")'

Each answer is problem (the cause was found here, with the fix), ok (not the cause on this
host) or unknown (what could not be checked, and why). The fix names a command of clawmoat
(tunnel, harden) where one applies; it never binds the gateway to 0.0.0.0.
Exit codes: 0 no problem found, 1 a problem found, 2 usage or runtime error.`,
    );
  analyseOptions(command).action(async (name: string | undefined, flags: DoctorFlags) => {
    // Checked before reading the host: a typo should not cost a collection.
    const symptom = name === undefined ? undefined : findSymptom(name);
    if (name !== undefined && !symptom) throw new UserError(`unknown symptom "${name}"; the symptoms are:\n${symptomList()}`);
    const snapshot = await obtainSnapshot(flags);
    const report = runDoctor(snapshot, symptom ? [symptom] : SYMPTOMS, sessionOf(flags), { zones: zoneSpecs(flags) });
    const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report, { color: !flags.output && useColor(flags.color) });
    await emit(text, flags.output);
    process.exitCode = report.summary.problem > 0 ? 1 : 0;
  });
}
