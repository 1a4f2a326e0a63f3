import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { Netns } from './lab/netns.js';

/**
 * The progress spinner on a real pseudo-terminal. `script` (util-linux, in bsdutils, which is
 * Essential on Debian: always there) gives the CLI a pty; `stty cols N` inside it sets the width
 * the terminal reports. A terminal of 0 columns (a serial console, some CI terminals; also what
 * a pty gets when `script`'s own stdin is not a terminal) once made nanospinner erase lines
 * forever: `harden` wrote 967 MB of cursor codes in ten minutes and never printed its plan.
 *
 * The command: `clawmoat audit` in a namespace whose ruleset has 60,000 rules, so that reading
 * the host takes well over the second after which the spinner shows. (30,000 once took several
 * seconds; as the parser got faster the run fell to 1.36 s, under what the test demanded.)
 */

const RULES = 60_000;
/** Far more than the report and a spinner's frames; far less than a flood writes in a second. */
const MAX_OUTPUT = 256 * 1024;

const req = requires('progress display on a pseudo-terminal of 0 and 40 columns', ['root', 'netns', 'netfilter', 'pty']);

describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let ns: Netns;
  let home: string;

  beforeAll(async () => {
    await ensureBuilt();
    ns = await Netns.create(scope, 'pty');
    home = tempDir(scope, 'pty-home');
    const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':bulk - [0:0]', '-A INPUT -j bulk'];
    for (let i = 0; i < RULES; i++) lines.push(`-A bulk -s 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32 -p tcp --dport ${(i % 60_000) + 1} -j ACCEPT`);
    lines.push('COMMIT', '');
    await ns.exec(binary('iptables-restore'), [], { input: lines.join('\n') });
  });

  afterAll(async () => {
    await scope.dispose();
  });

  /** `clawmoat audit` on a pty `columns` wide; output capped at MAX_OUTPUT (the run is killed past it) and time at 60 s. */
  function onPty(columns: number): Promise<{ code: number | null; output: string; ms: number; cut?: string }> {
    const inner = `${binary('stty')} cols ${columns} rows 24 && exec ${binary('ip')} netns exec ${ns.name} ${process.execPath} ${CLI} audit`;
    // No CI variable: nanospinner draws only when it thinks it is not in CI.
    const env = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', TERM: 'xterm', NO_COLOR: '1', DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}` };
    const started = performance.now();
    return new Promise((resolve) => {
      // -q: no "Script started" lines; -e: script exits with the command's status; -c: the command.
      const child = spawn(binary('script'), ['-q', '-e', '-c', inner, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let cut: string | undefined;
      const stop = (why: string) => {
        cut ??= why;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop('did not finish within 60 s'), 60_000);
      for (const s of [child.stdout, child.stderr]) {
        s.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.length > MAX_OUTPUT) stop(`wrote more than ${MAX_OUTPUT} bytes`);
        });
      }
      child.once('close', (code) => {
        clearTimeout(timer);
        // Killed, script closes the pty: the kernel hangs up its session, and the CLI ends with it.
        resolve({ code, output, ms: Math.round(performance.now() - started), ...(cut ? { cut } : {}) });
      });
    });
  }

  it('0 columns (needs root): no spinner at all, the run ends and the report is printed', async () => {
    const { code, output, ms, cut } = await onPty(0);
    expect(cut, output.slice(-2000)).toBeUndefined();
    expect([0, 1]).toContain(code);
    expect(output).toMatch(/Summary: \d+ checks/);
    // Neither nanospinner's hidden cursor nor its line erase: the spinner never started.
    expect(output).not.toContain('\x1b[?25l');
    expect(output).not.toContain('\x1b[2K');
    expect(output.length).toBeLessThan(64 * 1024);
    // Slow enough that a spinner would have shown (it waits a second, src/cli/progress.ts).
    expect(ms).toBeGreaterThan(1_200);
  });

  it('40 columns (needs root): the spinner spins, stops, and the report is printed', async () => {
    const { code, output, cut } = await onPty(40);
    expect(cut, output.slice(-2000)).toBeUndefined();
    expect([0, 1]).toContain(code);
    // It drew (cursor hidden, frames erased line by line), then gave the cursor back.
    expect(output).toContain('\x1b[?25l');
    expect(output).toContain('\x1b[2K');
    expect(output).toContain('\x1b[?25h');
    expect(output).toMatch(/Summary: \d+ checks/);
    expect(output.length).toBeLessThan(MAX_OUTPUT);
  });
});
