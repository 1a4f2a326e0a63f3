import { describe, expect, it } from 'vitest';
import { sshdArguments, sshdConfigFlag } from '../../../src/collect/sshd-argv.js';

/** What /proc/PID/cmdline gives for an sshd, and the -f clawmoat takes from it. */
const flagOf = (argv: string[]): string | undefined => {
  const args = sshdArguments(argv);
  return args ? sshdConfigFlag(args) : undefined;
};

describe('the -f of an sshd process', () => {
  it("reads OpenSSH's listener title (one string over the old argv), as 9.2 on Debian 12 writes it", () => {
    expect(flagOf(['sshd: /usr/sbin/sshd -D -e -f /srv/ssh/cfg [listener] 0 of 10-100 startups'])).toBe('/srv/ssh/cfg');
    // The padding of a longer old argv after the title changes nothing.
    expect(flagOf(['sshd: /usr/sbin/sshd -f /srv/ssh/cfg [listener] 3 of 10-100 startups', '', ''])).toBe('/srv/ssh/cfg');
    expect(flagOf(['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'])).toBeUndefined();
  });

  it("reads the flag as sshd's getopt does: -fFILE, -Df FILE, the last -f wins, option arguments are not options", () => {
    expect(flagOf(['/usr/sbin/sshd', '-f/srv/a'])).toBe('/srv/a');
    expect(flagOf(['/usr/sbin/sshd', '-Df', '/srv/b'])).toBe('/srv/b');
    expect(flagOf(['sshd', '-f', '/srv/a', '-D', '-f', '/srv/c'])).toBe('/srv/c');
    expect(flagOf(['sshd', '-o', '-f', '-D'])).toBeUndefined();
    expect(flagOf(['sshd', '-p', '22', '--', '-f', '/srv/d'])).toBeUndefined();
    expect(flagOf(['sshd: /usr/sbin/sshd -De -f/srv/e [listener] 0 of 10-100 startups'])).toBe('/srv/e');
  });

  it('is no sshd for titles that are not the listener, or programs merely named like it', () => {
    expect(sshdArguments(['sshd: root@pts/0'])).toBeUndefined();
    expect(sshdArguments(['sshd: root [priv]'])).toBeUndefined();
    expect(sshdArguments(['sshd: /usr/bin/python3 -f /x [listener] 0 of 10-100 startups'])).toBeUndefined();
    expect(sshdArguments(['/usr/bin/not-sshd', '-f', '/x'])).toBeUndefined();
  });
});
