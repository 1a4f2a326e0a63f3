import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScript } from '../../src/collect/script/generate.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';

/**
 * The collection script's watchdog against a reused PID, for real, in a PID namespace of this
 * test's own (its init is the driver below, so PIDs can be chosen: ns_last_pid): the script runs
 * a step with a 3-second budget, is killed outright a second in (its exit trap cannot run, its
 * watchdog lives on), and its PID is given to a stranger that has a child of its own. Before the
 * fix the watchdog went on while "kill -0 $$" held (the stranger answers), and at the step's
 * budget stopped the stranger's child. Now it stops once its own parent is no longer the script.
 * When the driver, the namespace's init, exits, the kernel ends everything left in it.
 */

const DRIVER = `
shell=$1; script=$2; out=$3
TMPDIR=$out; export TMPDIR
$shell "$script" > /dev/null 2>&1 & s=$!
sleep 1
kill -KILL $s; wait $s 2>/dev/null
echo $((s - 1)) > /proc/sys/kernel/ns_last_pid
dash -c 'sleep 3600 & c=$!; wait $c; echo "killed ($?)" > "$1/stranger-child"' stranger "$out" & st=$!
[ "$st" = "$s" ] || { echo "PID not reused: $st, not $s"; exit 3; }
sleep 6
if [ -e "$out/stranger-child" ]; then cat "$out/stranger-child"; else echo untouched; fi
`;

const req = requires('collect script watchdog: a PID reused after the script was killed is not signalled (root, netns, busybox)', ['root', 'netns', 'busybox']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let work: string;
  let script: string;
  beforeAll(() => {
    work = tempDir(scope, 'collect-watchdog-pid');
    script = join(work, 'collect.sh');
    writeFileSync(script, generateScript([{ commands: [{ argv: ['sleep', '30'], timeoutMs: 3000 }] }]));
  });
  afterAll(async () => {
    await scope.dispose();
  });

  const shells: Record<string, string> = {
    dash: binary('dash'),
    'busybox sh': `${binary('busybox')} sh`,
    bash: binary('bash'),
  };

  it.each(Object.keys(shells))("%s: the watchdog of a script killed outright leaves the stranger given the script's PID alone", (name) => {
    const out = join(work, name.replace(' ', '-'));
    mkdirSync(out);
    const result = spawnSync(binary('unshare'), ['--pid', '--fork', '--mount-proc', binary('dash'), '-c', DRIVER, 'driver', shells[name]!, script, out], {
      env: { PATH: labPath() },
      timeout: 60_000,
    });
    expect(result.stdout.toString().trim(), result.stderr.toString()).toBe('untouched');
  });
});
