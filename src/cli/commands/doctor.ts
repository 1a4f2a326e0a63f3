import type { Command } from 'commander';
import { SYMPTOM_IDS, SYMPTOM_META, symptomIdOf } from '../../doctor/catalogue.js';
import { UserError } from '../../errors.js';
import { analyseOptions, obtainSnapshot, preload } from './shared.js';
import { processIo } from '../io.js';
import { PathOption } from '../paths.js';
import type { DoctorFlags } from './doctor-run.js';

/**
 * `clawmoat doctor [symptom]`: the guide's common issues, each diagnosed from this host's
 * real state. Collects once (or reads --snapshot), then every symptom is pure analysis. These
 * are the options; the symptoms' diagnoses load when it runs (doctor-run.ts).
 */

function symptomList(): string {
  return SYMPTOM_IDS.map((id) => `  ${id.padEnd(18)} ${SYMPTOM_META[id].question} (also: ${SYMPTOM_META[id].aliases.join(', ')})`).join('\n');
}

export function registerDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .argument('[symptom]', `one symptom to check (default: all): ${SYMPTOM_IDS.join(', ')}`)
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
    const symptom = name === undefined ? undefined : symptomIdOf(name);
    if (name !== undefined && !symptom) throw new UserError(`unknown symptom "${name}"; the symptoms are:\n${symptomList()}`);
    // The diagnoses and their renderer (doctor-run.ts) load while the host is read.
    const run = preload(() => import('./doctor-run.js'));
    const snapshot = await obtainSnapshot(flags, () => void run());
    process.exitCode = await (await run()).runDoctorCommand(snapshot, symptom, flags, processIo());
  });
}
