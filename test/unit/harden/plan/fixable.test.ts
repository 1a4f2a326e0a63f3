import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../../src/checks/catalogue.js';
import { runChecks } from '../../../../src/checks/run.js';
import { buildContext } from '../../../../src/model/context.js';
import { parseZoneSpec } from '../../../../src/model/zones.js';
import { PLANNER_OF } from '../../../../src/harden/plan/intents.js';
import { baselineSnapshot } from '../../../fixtures/builders/snapshot.js';
import { CASES } from '../../checks/cases/index.js';
import type { InvalidCase } from '../../../../src/checks/types.js';

/** The intent kinds a check's findings carry over all its invalid cases. */
function intentKinds(id: string, c: InvalidCase): string[] {
  const check = CHECKS.find((x) => x.meta.id === id)!;
  const options = { zones: (c.options?.zones ?? []).map(parseZoneSpec), ...(c.options?.probe ? { probe: c.options.probe } : {}) };
  const ctx = buildContext(c.snapshot(baselineSnapshot()), options);
  return runChecks(ctx, [check]).findings.flatMap((f) => (f.fixes ?? []).map((x) => x.kind));
}

describe('meta.fixable and the planners', () => {
  it('agree: a check says harden can fix it exactly when its findings carry a fix intent', () => {
    const returnsIntent = CHECKS.filter((c) => (CASES[c.meta.id]?.invalid ?? []).some((x) => intentKinds(c.meta.id, x).length > 0))
      .map((c) => c.meta.id)
      .sort();
    const fixable = CHECKS.filter((c) => c.meta.fixable)
      .map((c) => c.meta.id)
      .sort();
    expect(fixable).toEqual(returnsIntent);
  });

  it('every intent a check returns has a planner', () => {
    for (const c of CHECKS)
      for (const x of CASES[c.meta.id]?.invalid ?? [])
        for (const kind of intentKinds(c.meta.id, x)) expect(Object.keys(PLANNER_OF), `${c.meta.id}: ${x.name}`).toContain(kind);
  });

  it('every fixable check pins the steps planned for each invalid case, and plans a step for one', () => {
    for (const c of CHECKS.filter((x) => x.meta.fixable)) {
      const invalid = CASES[c.meta.id]?.invalid ?? [];
      const unpinned = invalid.filter((x) => x.steps === undefined).map((x) => x.name);
      expect(unpinned, c.meta.id).toEqual([]);
      expect(
        invalid.some((x) => (x.steps ?? []).length > 0),
        `${c.meta.id}: no case plans a step`,
      ).toBe(true);
    }
  });
});
