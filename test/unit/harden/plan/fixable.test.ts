import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../../src/checks/catalogue.js';
import { PLANNED_FINDINGS } from '../../../../src/harden/plan/index.js';

describe('meta.fixable and the planners', () => {
  it('agree: a check says harden can fix it exactly when a planner acts on its finding', () => {
    const fixable = CHECKS.filter((c) => c.meta.fixable)
      .map((c) => c.meta.id)
      .sort();
    expect(fixable).toEqual([...PLANNED_FINDINGS].sort());
  });
});
