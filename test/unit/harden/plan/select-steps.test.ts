import { describe, expect, it } from 'vitest';
import { selectSteps } from '../../../../src/harden/plan/index.js';
import type { Plan, Step } from '../../../../src/harden/types.js';

function step(id: string): Step {
  return { id, finding: 'firewall.none', guide: 'g', kind: 'command', description: '', undo: '', argv: ['ufw'], undoArgv: [] };
}

const PLAN: Plan = { steps: ['config.gateway', 'ufw.allow-ssh-22', 'ufw.allow-ssh-2222', 'ufw.enable'].map(step), notes: [] };
const ids = (plan: Plan) => plan.steps.map((s) => s.id);

describe('selectSteps', () => {
  it('an exact id names that step alone, even when it is the prefix of another', () => {
    expect(ids(selectSteps(PLAN, undefined, ['ufw.allow-ssh-22']))).toEqual(['config.gateway', 'ufw.allow-ssh-2222', 'ufw.enable']);
    expect(ids(selectSteps(PLAN, ['ufw.allow-ssh-22'], undefined))).toEqual(['ufw.allow-ssh-22']);
  });

  it('a prefix that is no id takes every step it starts', () => {
    expect(ids(selectSteps(PLAN, undefined, ['ufw']))).toEqual(['config.gateway']);
    expect(ids(selectSteps(PLAN, ['ufw.allow-ssh'], undefined))).toEqual(['ufw.allow-ssh-22', 'ufw.allow-ssh-2222']);
  });

  it('refuses a name that is neither an id nor a prefix', () => {
    expect(() => selectSteps(PLAN, undefined, ['sshd'])).toThrow(/no step "sshd"/);
  });
});
