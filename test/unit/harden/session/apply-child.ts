import { spawn } from 'node:child_process';
import { applySession } from '../../../../src/harden/session.js';
import { readForWrite } from '../../../../src/safe-fs/write.js';

/**
 * A separate process running the apply session on one file step and one slow command step (a
 * ufw command can take seconds), so a test can send it a real signal mid-apply. Bundled by
 * esbuild before the test runs.   apply-child <stateDir> <file>
 */
const [stateDir, path] = process.argv.slice(2) as [string, string];
const read = await readForWrite(path);
if ('error' in read) throw new Error(read.error);
const sleep = (s: string) =>
  new Promise<void>((resolve, reject) =>
    spawn('sleep', [s], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error('sleep failed')))),
  );
const code = await applySession(
  {
    plan: {
      notes: [],
      steps: [
        { id: 'file.a', finding: 'f', guide: 'g', description: 'd', undo: 'rollback', kind: 'file', path, diff: '', content: 'changed\n', before: read.before },
        {
          id: 'cmd.slow',
          finding: 'f',
          guide: 'g',
          description: 'd',
          undo: 'u',
          kind: 'command',
          argv: ['ufw', 'allow', '22/tcp'],
          undoArgv: [['ufw', 'delete', 'allow', '22/tcp']],
        },
      ],
    },
    stateDir,
    seconds: 60,
    yes: true,
    isRoot: true,
  },
  {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    // The slow `ufw allow`, then a quick undo.
    runner: (argv) => (argv[1] === 'allow' ? sleep('1.5') : Promise.resolve()),
    arm: async () => undefined,
  },
);
process.exitCode = code;
