import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';

/**
 * The last lines of `npm test`: which system tests did not run, and why. A machine
 * without root or without the packages still passes `npm test` on the unit suite, but
 * must say what it did not test; CI sets CLAWMOAT_REQUIRE_SYSTEM=1 so that a skipped
 * system test (a package missing from the image, a lost capability) fails the run
 * instead of passing quietly.
 */

interface Skipped {
  label: string;
  reason: string;
  tests: number;
}

function isSystemModule(module: TestModule): boolean {
  return module.project.name === 'system' || /[\\/]test[\\/]system[\\/]/.test(module.moduleId);
}

/** The outermost suite around a test: its title names the prerequisites, e.g. "audit of real UFW [root, netns, ufw]". */
function outermostSuite(test: TestCase): TestSuite | undefined {
  let found: TestSuite | undefined;
  for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) found = parent;
  return found;
}

function reasonFor(test: TestCase, filtered: boolean): string {
  const result = test.result();
  const note = result.state === 'skipped' ? result.note : undefined;
  const recorded = test.meta().systemSkip;
  if (recorded) return recorded;
  if (note) return note;
  if (test.options.mode === 'todo') return 'todo';
  if (filtered) return 'not selected by the -t filter';
  return 'skipped in the code (it.skip, or .only elsewhere)';
}

function collectSkipped(modules: ReadonlyArray<TestModule>, filtered: boolean): { skipped: Skipped[]; ran: number; files: number } {
  const groups = new Map<string, Skipped>();
  let ran = 0;
  let files = 0;
  for (const module of modules) {
    if (!isSystemModule(module)) continue;
    files++;
    for (const test of module.children.allTests()) {
      if (test.result().state !== 'skipped') {
        ran++;
        continue;
      }
      const label = `${outermostSuite(test)?.name ?? test.name} (${module.relativeModuleId})`;
      const reason = reasonFor(test, filtered);
      const key = `${label}\0${reason}`;
      const group = groups.get(key) ?? { label, reason, tests: 0 };
      group.tests++;
      groups.set(key, group);
    }
  }
  return { skipped: [...groups.values()], ran, files };
}

export default class SkipSummaryReporter implements Reporter {
  private log: (line: string) => void = (line) => console.log(line);
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.log = (line) => vitest.logger.log(line);
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const required = process.env.CLAWMOAT_REQUIRE_SYSTEM === '1';
    const { skipped, ran, files } = collectSkipped(testModules, this.filtered);
    const lines: string[] = [''];
    if (files === 0) {
      lines.push('system tests: none in this run');
    } else if (skipped.length === 0) {
      lines.push(`system tests: all ran (${ran} tests in ${files} files)`);
    } else {
      for (const s of skipped) lines.push(`skipped: ${s.label} — ${s.reason} (${s.tests} ${s.tests === 1 ? 'test' : 'tests'})`);
      lines.push(`system tests: ${skipped.reduce((n, s) => n + s.tests, 0)} skipped, ${ran} ran`);
    }
    if (required && (files === 0 || skipped.length > 0)) {
      lines.push(
        files === 0
          ? 'CLAWMOAT_REQUIRE_SYSTEM=1: failing the run: no system test ran.'
          : 'CLAWMOAT_REQUIRE_SYSTEM=1: failing the run: every system test must run here (install what is missing, run as root).',
      );
      process.exitCode = 1;
    }
    for (const line of lines) this.log(line);
  }
}
