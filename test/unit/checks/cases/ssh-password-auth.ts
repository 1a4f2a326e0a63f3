import { withSshd } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** sshPasswordAuth: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'sshd not installed', snapshot: (s) => s, result: 'skipped' },
    { name: 'keys only', snapshot: withSshd({ passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'], usepam: ['yes'] }), result: 'pass' },
  ],
  invalid: [
    {
      name: 'PasswordAuthentication yes',
      snapshot: withSshd({ passwordauthentication: ['yes'], port: ['22'] }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['passwordauthentication yes'],
    },
    {
      name: 'password through keyboard-interactive PAM',
      snapshot: withSshd({ passwordauthentication: ['no'], kbdinteractiveauthentication: ['yes'], usepam: ['yes'] }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['usepam yes'],
    },
    {
      name: 'config unreadable',
      snapshot: (s) => ({
        ...s,
        sshd: {
          status: 'ok',
          data: { binary: '/usr/sbin/sshd', effective: { status: 'unavailable', reason: 'permission-denied', detail: 'sshd -T needs root' } },
        },
      }),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
    },
  ],
};
