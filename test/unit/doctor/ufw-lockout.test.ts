import { describe, expect, it } from 'vitest';
import { ufwLockout } from '../../../src/doctor/symptoms/ufw-lockout.js';
import { compose, tcpListener, withIptables, withSockets, withSshd, withUfw } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { diagnose, fixOf, textOf } from './helpers.js';

/** What iptables-save shows once `ufw enable` has run with default deny and no rules of its own. */
const UFW_LOADED = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':ufw-before-input - [0:0]',
  ':ufw-user-input - [0:0]',
  '-A INPUT -j ufw-before-input',
  '-A ufw-before-input -i lo -j ACCEPT',
  '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A ufw-before-input -j ufw-user-input',
  'COMMIT',
  '',
].join('\n');

const sshdOn = (port: number) => compose(withSshd({ port: [String(port)] }), withSockets(tcpListener('0.0.0.0', port, 700, 'sshd')));

describe('ufw-lockout', () => {
  it('UFW not installed: not this cause', () => {
    expect(diagnose(ufwLockout, sshdOn(22))).toMatchObject({ status: 'ok', cause: 'UFW is not installed: it cannot lock you out' });
  });

  it('says "configured for" from sshd -T and never "listens" when no sshd socket listens', () => {
    const r = diagnose(ufwLockout, compose(withSshd({ port: ['22'] }), withUfw(false, '')));
    expect(textOf(r)).toContain('sshd is configured for port 22 (sshd -T); no sshd socket is listening');
    expect(textOf(r)).not.toContain('sshd listens');
  });

  it("before enabling: predicted from the rule files, with the exact rule for sshd's real port", () => {
    const r = diagnose(ufwLockout, compose(sshdOn(2222), withUfw(false, '### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n')));
    expect(r.status).toBe('problem');
    expect(r.cause).toBe('UFW is not enabled yet, but with default deny incoming and no rule for SSH on port 2222, `ufw enable` would lock you out');
    expect(r.fix?.commands).toEqual(['sudo ufw allow 2222/tcp', 'sudo ufw enable', 'sudo clawmoat harden   # or: the lockout-checked plan']);
    expect(textOf(r)).toContain('sshd is configured for port 2222 (sshd -T); sshd listens on 2222 (its sockets)');
  });

  it('after enabling: detected in the loaded ruleset, with the console path back in', () => {
    const r = diagnose(ufwLockout, compose(sshdOn(22), withUfw(true, ''), withIptables(UFW_LOADED)));
    expect(r.status).toBe('problem');
    expect(r.cause).toBe('UFW is enabled with default deny incoming and no rule for SSH on port 22: new SSH connections are dropped');
    expect(r.saw.map((e) => e.text)).toContain('UFW is active: its chains are in the loaded ruleset');
    // The reach model walks the loaded ruleset: SSH from the internet is filtered.
    expect(textOf(r)).toMatch(/sshd 0\.0\.0\.0:22 from internet:eth0: filtered \(dropped/);
    expect(r.fix?.commands).toEqual(['sudo ufw allow 22/tcp', 'sudo clawmoat harden']);
    expect(fixOf(r)).toMatch(/console/);
    expect(fixOf(r)).toContain('sudo ufw disable');
  });

  it('ENABLED=yes but not loaded: the next boot or reload locks you out', () => {
    const r = diagnose(ufwLockout, compose(sshdOn(22), withUfw(true, ''), withIptables('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n')));
    expect(r.status).toBe('problem');
    expect(r.cause).toContain('next boot or `ufw reload`');
  });

  it('SSH allowed: not this cause, citing the rule and its line', () => {
    const r = diagnose(
      ufwLockout,
      compose(sshdOn(22), withUfw(true, '# comment\n### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'), withIptables(UFW_LOADED)),
    );
    expect(r.status).toBe('ok');
    const rule = r.saw.find((e) => e.kind === 'rule');
    expect(rule).toMatchObject({ text: '"limit 22/tcp" admits SSH on 22', location: { file: '/etc/ufw/user.rules', line: 2 } });
  });

  it('sshd on two ports, only one allowed: names the missing one', () => {
    const r = diagnose(ufwLockout, compose(withSshd({ port: ['22', '2200'] }), withUfw(false, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')));
    expect(r.status).toBe('problem');
    expect(r.fix?.commands?.[0]).toBe('sudo ufw allow 2200/tcp');
  });

  it('a hand-written lowercase drop policy is read as ufw reads it (case-insensitively): enabling locks you out', () => {
    const r = diagnose(ufwLockout, compose(sshdOn(22), withUfw(false, '', { input: 'drop', output: 'ACCEPT', forward: 'DROP' })));
    expect(r.status).toBe('problem');
    expect(textOf(r)).toContain('DEFAULT_INPUT_POLICY="DROP"');
  });

  it('default incoming ACCEPT: enabling cannot cut SSH', () => {
    const r = diagnose(ufwLockout, compose(sshdOn(22), withUfw(false, '', { input: 'ACCEPT', output: 'ACCEPT', forward: 'DROP' })));
    expect(r).toMatchObject({ status: 'ok' });
    expect(r.cause).toContain('ACCEPT');
  });

  it('rule files unreadable (not root): unknown, saying why', () => {
    const unreadable = (s: Snapshot): Snapshot => {
      const next = withUfw(false, '')(s);
      if (next.ufw.status === 'ok')
        next.ufw.data.files.ruleFiles['user.rules'] = { status: 'unavailable', reason: 'permission-denied', detail: '/etc/ufw/user.rules: permission denied' };
      return next;
    };
    const r = diagnose(ufwLockout, compose(sshdOn(22), unreadable));
    expect(r.status).toBe('unknown');
    expect(r.cause).toContain('permission denied');
    expect(r.fix).toBeUndefined();
  });

  it('no sshd on the host: nothing to lock out', () => {
    const r = diagnose(ufwLockout, withUfw(false, ''));
    expect(r.status).toBe('ok');
    expect(r.cause).toContain('sshd is not installed');
  });
});
