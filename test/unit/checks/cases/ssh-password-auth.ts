import { withSshd } from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';

/** sshPasswordAuth: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'sshd not installed', snapshot: (s) => s, result: 'skipped' },
    { name: 'keys only', snapshot: withSshd({ passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'], usepam: ['yes'] }), result: 'pass' },
    {
      name: 'a Match block that turns passwords off',
      snapshot: withSshd(
        { passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'], usepam: ['yes'] },
        { matchBlocks: [{ file: '/etc/ssh/sshd_config', line: 40, criteria: 'User backup', settings: { passwordauthentication: ['no'] } }] },
      ),
      result: 'pass',
    },
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
      name: 'config files: UsePAM yes, KbdInteractiveAuthentication unset',
      // OpenSSH's default KbdInteractiveAuthentication is yes: PAM asks for the password.
      snapshot: withSshd({ passwordauthentication: ['no'], usepam: ['yes'] }, { source: 'config-files' }),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['kbdinteractiveauthentication yes with usepam yes (/etc/ssh/sshd_config (read directly))'],
    },
    {
      name: 'a Match block turns passwords on',
      snapshot: withSshd(
        { passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'], usepam: ['yes'] },
        { matchBlocks: [{ file: '/etc/ssh/sshd_config', line: 40, criteria: 'Address *', settings: { passwordauthentication: ['yes'] } }] },
      ),
      result: 'fail',
      severity: 'warn',
      findings: 1,
      evidenceIncludes: ['Match Address * (/etc/ssh/sshd_config:40) sets passwordauthentication yes'],
    },
    {
      name: 'Match blocks unreadable',
      snapshot: withSshd(
        { passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'] },
        {
          matchBlocks: {
            status: 'unavailable',
            reason: 'permission-denied',
            detail: "sshd's Match blocks could not all be read: /etc/ssh/sshd_config.d/50-cloud-init.conf",
          },
        },
      ),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
    },
    {
      name: 'a snapshot from before Match blocks were read',
      snapshot: withSshd({ passwordauthentication: ['no'], kbdinteractiveauthentication: ['no'] }, { matchBlocks: null }),
      result: 'unknown',
      severity: 'warn',
      findings: 1,
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
