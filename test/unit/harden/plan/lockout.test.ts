import { describe, expect, it } from 'vitest';
import { checkLockout } from '../../../../src/harden/lockout.js';
import { parseSshConnection } from '../../../../src/model/ssh-session.js';
import { baselineSnapshot, compose, tcpListener, withInterface, withIptables, withSockets, withSshd } from '../../../fixtures/builders/snapshot.js';

/**
 * The lockout check compares admin paths before and after a plan. The "after" rulesets here
 * have the shape `ufw enable` loads (policy DROP, ufw-user-input holding the allows).
 */

const HOST = compose(
  withInterface('eth1', '192.168.1.10', 24),
  withSshd({ port: ['2222'] }),
  withSockets({ ...tcpListener('0.0.0.0', 2222, 100, 'sshd') }, tcpListener('0.0.0.0', 18789, 200)),
);
const OPEN = withIptables('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');

function ufwLike(allowPorts: number[]): ReturnType<typeof withIptables> {
  const allows = allowPorts.map((p) => `-A ufw-user-input -p tcp --dport ${p} -j ACCEPT`).join('\n');
  return withIptables(
    [
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
      allows,
      'COMMIT',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
}

const admin = { sshPorts: [2222], zones: [] };

describe('checkLockout', () => {
  it('is safe when every sshd port that is open now stays open', () => {
    const verdict = checkLockout(compose(HOST, OPEN)(baselineSnapshot()), compose(HOST, ufwLike([2222]))(baselineSnapshot()), admin);
    expect(verdict.status, verdict.reason).toBe('safe');
    expect(verdict.paths.join('\n')).toMatch(/sshd port 2222 from internet:eth0: open → open/);
  });

  it('refuses a plan that allows only the default 22 while sshd listens on 2222', () => {
    const verdict = checkLockout(compose(HOST, OPEN)(baselineSnapshot()), compose(HOST, ufwLike([22]))(baselineSnapshot()), admin);
    expect(verdict.status).toBe('refused');
    expect(verdict.reason).toMatch(/sshd port 2222 from .* would be filtered/);
  });

  it('checks the SSH session it runs in, from its real client address', () => {
    const session = { ...admin, sshConnection: '192.168.1.77 50022 192.168.1.10 2222' };
    const before = compose(HOST, OPEN)(baselineSnapshot());
    expect(checkLockout(before, compose(HOST, ufwLike([2222]))(baselineSnapshot()), session).paths[0]).toMatch(
      /this SSH session \(192\.168\.1\.77 → 192\.168\.1\.10:2222\): open → open/,
    );
    const onlyFromLan = withIptables(
      '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 2222 -j ACCEPT\nCOMMIT\n',
    );
    const verdict = checkLockout(before, compose(HOST, onlyFromLan)(baselineSnapshot()), session);
    expect(verdict.status).toBe('refused');
    expect(verdict.reason).toMatch(/this SSH session/);
  });

  it('does not blame the plan for paths that were closed already', () => {
    const closedBefore = ufwLike([]);
    const verdict = checkLockout(compose(HOST, closedBefore)(baselineSnapshot()), compose(HOST, ufwLike([]))(baselineSnapshot()), admin);
    expect(verdict.status).toBe('safe');
  });

  it('an sshd path the model cannot decide now is not "safe" when the plan filters it', () => {
    // Every SYN matches `-m length --length 0:1500`, but the model cannot judge `length`: unknown now.
    const undecidable = withIptables(
      '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 2222 -m length --length 0:1500 -j ACCEPT\nCOMMIT\n',
    );
    const before = compose(HOST, undecidable)(baselineSnapshot());
    const verdict = checkLockout(before, compose(HOST, ufwLike([]))(baselineSnapshot()), admin);
    expect(verdict.paths.join('\n')).toMatch(/sshd port 2222 from lan:eth1: unknown → filtered/);
    expect(verdict.status).toBe('unknown');
    expect(verdict.reason).toMatch(/sshd port 2222 from lan:eth1: cannot be decided now \(.*\) and would be filtered after/);
    // The same path still undecidable after is no safer.
    expect(checkLockout(before, before, admin).status).toBe('unknown');
    // Open after: the plan keeps it, whatever it was.
    expect(checkLockout(before, compose(HOST, ufwLike([2222]))(baselineSnapshot()), admin).status).toBe('safe');
  });

  it('says unknown when there is no admin path at all', () => {
    const noSsh = compose(withIptables('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n'))(baselineSnapshot());
    expect(checkLockout(noSsh, noSsh, { sshPorts: [], zones: [] }).status).toBe('unknown');
  });
});

describe('parseSshConnection', () => {
  it('reads client, server and port, IPv4-mapped addresses included', () => {
    expect(parseSshConnection('203.0.113.9 51000 198.51.100.10 22')).toEqual({ client: '203.0.113.9', server: '198.51.100.10', port: 22 });
    expect(parseSshConnection('::ffff:203.0.113.9 51000 ::ffff:198.51.100.10 22')).toEqual({ client: '203.0.113.9', server: '198.51.100.10', port: 22 });
  });
  it('ignores what is not one', () => {
    expect(parseSshConnection(undefined)).toBeUndefined();
    expect(parseSshConnection('garbage')).toBeUndefined();
  });
});
