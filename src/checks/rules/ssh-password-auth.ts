import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';

export const sshPasswordAuth: Check = {
  meta: {
    id: 'ssh.password_auth',
    title: 'sshd accepts keys only, not passwords',
    severity: 'warn',
    guide: GUIDE.remote,
    docs:
      "The guide's remote access runs over SSH (a tunnel to 127.0.0.1), so SSH is the door to the gateway. Reads sshd's " +
      'effective config (`sshd -T`, or the config files when that cannot run) and fails when PasswordAuthentication is ' +
      'yes, or when keyboard-interactive auth through PAM would still ask for a password, globally or in any `Match` block ' +
      '(read from the config files: `sshd -T` prints the global section only).',
    fixable: false,
    inputs: ['sshd'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'PasswordAuthentication yes',
        'password through keyboard-interactive PAM',
        'config files: UsePAM yes, KbdInteractiveAuthentication unset',
        'a Match block turns passwords on',
        'Match blocks unreadable (unknown)',
        'a snapshot from before Match blocks were read (unknown)',
        'config unreadable (unknown)',
      ],
      passes: ['sshd not installed (skipped)', 'keys only', 'a Match block that turns passwords off'],
    },
  },
  evaluate(ctx) {
    const sshd = ctx.snapshot.sshd;
    if (sshd.status !== 'ok')
      return sshd.reason === 'not-installed'
        ? { result: 'skipped', reason: 'sshd is not installed' }
        : { result: 'unknown', reason: sshd.detail, findings: [] };
    const effective = sshd.data.effective;
    if (effective.status !== 'ok') return { result: 'unknown', reason: `sshd config could not be read: ${effective.detail}`, findings: [] };
    const value = (key: string): string | undefined => effective.data[key]?.[0]?.toLowerCase();
    const source =
      sshd.data.source === 'config-files'
        ? `${sshd.data.configFile ?? '/etc/ssh/sshd_config'} (read directly)`
        : `sshd -T${sshd.data.configFile ? ` -f ${sshd.data.configFile}` : ''}`;
    // sshd's compiled-in defaults are yes for both; sshd -T always prints them, config files may not.
    const password = value('passwordauthentication') ?? 'yes';
    const kbd = value('kbdinteractiveauthentication') ?? value('challengeresponseauthentication') ?? 'yes';
    const pam = value('usepam');
    const viaPam = kbd === 'yes' && pam === 'yes';
    const evidence = [];
    if (password === 'yes') evidence.push({ kind: 'service' as const, text: `passwordauthentication yes (${source})` });
    if (viaPam) evidence.push({ kind: 'service' as const, text: `kbdinteractiveauthentication yes with usepam yes (${source})` });
    // `sshd -T` prints the global section only: a Match block can turn passwords on for some logins.
    const blocks = sshd.data.matchBlocks;
    if (blocks?.status === 'ok') {
      for (const block of blocks.data) {
        const set = (key: string): string | undefined => block.settings[key]?.[0]?.toLowerCase();
        const where = `Match ${block.criteria} (${block.file}:${block.line})`;
        if (set('passwordauthentication') === 'yes') evidence.push({ kind: 'service' as const, text: `${where} sets passwordauthentication yes` });
        const blockKbd = set('kbdinteractiveauthentication') ?? set('challengeresponseauthentication');
        if (blockKbd === 'yes' && pam === 'yes')
          evidence.push({ kind: 'service' as const, text: `${where} sets kbdinteractiveauthentication yes, with usepam yes` });
      }
    }
    if (evidence.length === 0) {
      if (blocks === undefined)
        return {
          result: 'unknown',
          reason: "this snapshot does not hold sshd's Match blocks (taken before clawmoat read them): collect it again",
          findings: [],
        };
      if (blocks.status !== 'ok') return { result: 'unknown', reason: blocks.detail, findings: [] };
      return { result: 'pass', reason: `passwordauthentication ${password} (${source}), and no Match block turns passwords on` };
    }
    return {
      result: 'fail',
      findings: [
        {
          status: 'fail',
          message: 'sshd accepts passwords, so the SSH door to the gateway can be brute-forced.',
          evidence,
          remediation: {
            summary: 'Use key-based login only (after checking that your key works).',
            steps: [
              'printf "PasswordAuthentication no\\nKbdInteractiveAuthentication no\\n" | sudo tee /etc/ssh/sshd_config.d/50-clawmoat.conf',
              'sudo sshd -t && sudo systemctl reload ssh',
            ],
            automatic: false,
          },
        },
      ],
    };
  },
};
