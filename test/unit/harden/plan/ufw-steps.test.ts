import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../../src/model/context.js';
import { planUfw, ufwRuleArgs } from '../../../../src/harden/plan/ufw-steps.js';
import { parseUfwTuples } from '../../../../src/model/ufw.js';
import { baselineSnapshot, compose, withIptables, withUfw } from '../../../fixtures/builders/snapshot.js';

const reasons = new Map([['firewall.none', 'nothing filters inbound']]);
const LOADED = withIptables('*filter\n:INPUT DROP [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\nCOMMIT\n');

function plan(userRules: string, enabled: boolean, defaults = { input: 'ACCEPT', output: 'ACCEPT', forward: 'DROP' }, sshPorts = [22]) {
  const snapshot = compose(withUfw(enabled, userRules, defaults), ...(enabled ? [LOADED] : []))(baselineSnapshot());
  return planUfw(buildContext(snapshot), { sshPorts, gatewayPorts: [18789], reasons, denyFinding: 'firewall.gateway_port_allowed' });
}

describe('planUfw: the guide order', () => {
  it('on an inactive UFW: SSH first, then the defaults, then enable', () => {
    const { steps } = plan('', false, { input: 'ACCEPT', output: 'DROP', forward: 'DROP' }, [22, 2222]);
    expect(steps.map((s) => s.argv.join(' '))).toEqual([
      'ufw allow 22/tcp',
      'ufw allow 2222/tcp',
      'ufw default deny incoming',
      'ufw default allow outgoing',
      'ufw --force enable',
    ]);
    expect(steps.find((s) => s.id === 'ufw.default-deny-incoming')?.undoArgv).toEqual([['ufw', 'default', 'allow', 'incoming']]);
  });

  it('deletes what admits the gateway port, and keeps every other rule', () => {
    const rules = [
      '### tuple ### allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in',
      '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in',
      '### tuple ### allow tcp 5432 0.0.0.0/0 any 192.168.1.0/24 in',
    ].join('\n');
    const { steps } = plan(rules, true, { input: 'DROP', output: 'ACCEPT', forward: 'DROP' });
    expect(steps.map((s) => s.argv.join(' '))).toEqual(['ufw delete allow 18789/tcp']);
    expect(steps[0]!.undoArgv).toEqual([['ufw', 'allow', '18789/tcp']]);
  });

  it('deletes nothing unless a finding asks to stop admitting the gateway port (a rule for the LAN alone is the user’s until then)', () => {
    const rules = '### tuple ### allow tcp 18789 0.0.0.0/0 any 192.168.1.0/24 in';
    const snapshot = compose(withUfw(true, rules, { input: 'DROP', output: 'ACCEPT', forward: 'DROP' }), LOADED)(baselineSnapshot());
    expect(planUfw(buildContext(snapshot), { sshPorts: [22], gatewayPorts: [18789], reasons }).steps.map((s) => s.id)).toEqual(['ufw.allow-ssh-22']);
  });

  it('plans nothing on a hardened host (idempotent)', () => {
    const { steps } = plan('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', true, { input: 'DROP', output: 'ACCEPT', forward: 'DROP' });
    expect(steps).toEqual([]);
  });

  it('plans nothing without a finding that asks for it, and says so when ufw is missing', () => {
    const ctx = buildContext(baselineSnapshot());
    expect(planUfw(ctx, { sshPorts: [22], gatewayPorts: [18789], reasons: new Map() }).steps).toEqual([]);
    expect(planUfw(ctx, { sshPorts: [22], gatewayPorts: [18789], reasons }).notes.join('')).toMatch(/ufw is not installed/);
  });
});

describe('ufwRuleArgs: a tuple back to the command that states it', () => {
  it.each([
    ['allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in', 'allow 18789/tcp'],
    ['limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in', 'limit 22/tcp'],
    ['allow any 18789 0.0.0.0/0 any 0.0.0.0/0 in', 'allow 18789'],
    ['allow tcp 18789 0.0.0.0/0 any 192.168.1.0/24 in', 'allow proto tcp from 192.168.1.0/24 to any port 18789'],
    ['allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in_eth0', 'allow in on eth0 proto tcp from any to any port 18789'],
    // As ufw stores `ufw allow log 18789/tcp`, `ufw allow OpenClaw` (a profile): deleting them must say log / the app again.
    ['allow_log tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in', 'allow log 18789/tcp'],
    ['allow_log-all tcp 18789 0.0.0.0/0 any 10.0.0.0/8 in_eth0', 'allow in on eth0 log-all proto tcp from 10.0.0.0/8 to any port 18789'],
    ['allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 OpenClaw - in', 'allow OpenClaw'],
    ['allow tcp 18789 0.0.0.0/0 any 10.0.0.0/8 OpenClaw - in', 'allow from 10.0.0.0/8 to any app OpenClaw'],
    ['allow_log tcp 18789 0.0.0.0/0 any 0.0.0.0/0 OpenClaw Web in', 'allow log from any app Web to any app OpenClaw'],
  ])('%s → ufw %s', (tuple, expected) => {
    const { rules } = parseUfwTuples(`### tuple ### ${tuple}`, '/etc/ufw/user.rules', false);
    expect(ufwRuleArgs(rules[0]!).join(' ')).toBe(expected);
  });
});
