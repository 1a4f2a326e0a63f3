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

  it('refuses to keep a proxy reload without the config check it needs (--skip door.nginx.check)', () => {
    const check = step('door.nginx.check');
    const reload = { ...step('door.nginx.reload'), checkedBy: 'door.nginx.check' } as Step;
    const plan: Plan = { steps: [step('door.nginx.listen'), check, reload], notes: [] };
    expect(() => selectSteps(plan, undefined, ['door.nginx.check'])).toThrow(/door\.nginx\.reload needs door\.nginx\.check/);
    expect(ids(selectSteps(plan, undefined, ['door.nginx.check', 'door.nginx.reload']))).toEqual(['door.nginx.listen']);
    expect(ids(selectSteps(plan, undefined, ['door']))).toEqual([]);
  });
});
