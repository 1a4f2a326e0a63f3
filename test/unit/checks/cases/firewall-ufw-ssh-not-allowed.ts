import {
  compose,
  tcpListener,
  withIptables,
  withSockets,
  withSshd,
  withUfw,
  withUfwDefaultsLines,
  withUnreadableUfwRules,
} from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** firewallUfwSshNotAllowed: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'UFW not installed', snapshot: (s) => s, result: 'skipped' },
    { name: 'allow 22/tcp', snapshot: withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'), result: 'pass' },
    {
      name: 'limit ssh',
      snapshot: withUfw(true, '### tuple ### limit tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=726174652d6c696d6974656420737368\n'),
      result: 'pass',
    },
    { name: 'OpenSSH app profile', snapshot: withUfw(false, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n'), result: 'pass' },
    { name: 'default allow incoming', snapshot: withUfw(true, '', { input: 'ACCEPT', output: 'ACCEPT', forward: 'DROP' }), result: 'pass' },
    {
      name: 'ssh on 2222 allowed',
      snapshot: compose(withSshd({ port: ['2222'] }), withUfw(true, '### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n')),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'user.rules unreadable (a non-root audit on Ubuntu, where it is 0640)',
      snapshot: compose(withUfw(true, ''), withUnreadableUfwRules('user.rules')),
      result: 'unknown',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['run as root to read /etc/ufw/user.rules'],
    },
    {
      name: 'the default policy cited at its own line of /etc/default/ufw',
      snapshot: compose(withUfw(true, ''), withUfwDefaultsLines({ input: 11 })),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['/etc/default/ufw:11'],
    },
    {
      name: 'sshd configured for 22 but not listening: the text says configured, not listens',
      snapshot: compose(withSshd({ port: ['22'] }), withUfw(true, '')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['sshd is configured for port 22 (sshd -T)', 'no sshd socket is listening'],
    },
    {
      name: 'enabled with no rules',
      snapshot: compose(withUfw(true, ''), withIptables('*filter\n:ufw-user-input - [0:0]\nCOMMIT\n')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['DEFAULT_INPUT_POLICY="DROP"'],
    },
    {
      name: 'not yet enabled, no ssh rule',
      snapshot: withUfw(false, '### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in\n'),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['tcp 22'],
    },
    {
      name: 'sshd moved to 2222, rule still for 22',
      snapshot: compose(withSshd({ port: ['2222'] }), withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n')),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['2222'],
    },
    {
      name: 'sshd socket on an extra port',
      snapshot: compose(
        withSockets(tcpListener('0.0.0.0', 2200, 77, 'sshd')),
        withSshd({ port: ['22'] }),
        withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'),
      ),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      evidenceIncludes: ['2200'],
    },
  ],
};
