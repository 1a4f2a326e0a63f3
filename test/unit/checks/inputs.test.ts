import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { buildContext } from '../../../src/model/context.js';
import { evaluateTracked, runChecks } from '../../../src/checks/run.js';
import { INPUT_IDS, type InputId, type InputProblem } from '../../../src/model/inputs.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';
import { parseZoneSpec } from '../../../src/model/zones.js';
import type { Check, CheckCase, InvalidCase, ValidCase } from '../../../src/checks/types.js';
import { CASES } from './cases/index.js';

/**
 * "Never a pass for what was not read", for every check in the catalogue, present and future:
 * each check declares its inputs, reads nothing else, and cannot pass or be skipped when one
 * of them could not be read.
 */

function contextOf(c: CheckCase) {
  const options = { zones: (c.options?.zones ?? []).map(parseZoneSpec), ...(c.options?.probe ? { probe: c.options.probe } : {}) };
  return buildContext(c.snapshot(baselineSnapshot()), options);
}

function allCases(check: Check): (ValidCase | InvalidCase)[] {
  const cases = CASES[check.meta.id]!;
  return [...cases.valid, ...cases.invalid];
}

const problem = (input: InputId): InputProblem => ({
  input,
  source: `/fixture/${input}`,
  line: 7,
  detail: `/fixture/${input} could not be read`,
  advice: `run as root to read /fixture/${input}`,
});

describe.each(CHECKS.map((c) => [c.meta.id, c] as const))('%s', (_id, check) => {
  it('declares only known inputs, each once', () => {
    for (const i of check.meta.inputs) expect(INPUT_IDS).toContain(i);
    expect(new Set(check.meta.inputs).size).toBe(check.meta.inputs.length);
  });

  it('reads no input it did not declare (in any of its cases)', () => {
    for (const c of allCases(check)) {
      const { read } = evaluateTracked(contextOf(c), check);
      const undeclared = [...read].filter((i) => !check.meta.inputs.includes(i));
      expect(undeclared, `case "${c.name}" read ${undeclared.join(', ')}`).toEqual([]);
    }
  });

  for (const input of check.meta.inputs) {
    it(`never passes or skips when ${input} could not be read`, () => {
      for (const c of allCases(check)) {
        const ctx = contextOf(c);
        ctx.inputs = { ...ctx.inputs, [input]: [problem(input)] };
        const { checks, findings } = runChecks(ctx, [check]);
        expect(['fail', 'unknown'], `case "${c.name}": ${checks[0]?.reason}`).toContain(checks[0]?.result);
        if (checks[0]?.result === 'unknown' && c.result !== 'unknown') {
          const text = findings.flatMap((f) => [f.message, ...f.evidence.map((e) => e.text)]).join('\n');
          expect(text).toContain(`/fixture/${input}`);
          expect(text).toContain('run as root');
          expect(findings[0]?.location).toEqual({ file: `/fixture/${input}`, line: 7 });
        }
      }
    });
  }
});
