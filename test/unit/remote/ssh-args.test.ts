import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import {
  collectArgs,
  explainSshFailure,
  forwardSpec,
  isPermanentSshFailure,
  NO_FEATURES,
  parseDestination,
  parseSshOption,
  printableTunnelArgs,
  shellQuote,
  sshFeatures,
  sshOptions,
  tunnelArgs,
} from '../../../src/remote/ssh-args.js';

describe('parseDestination', () => {
  it('reads [user@]host, aliases, IPv6 and ssh:// URLs', () => {
    expect(parseDestination('me@vps.example')).toEqual({ destination: { user: 'me', host: 'vps.example', text: 'me@vps.example' } });
    expect(parseDestination('vps')).toEqual({ destination: { host: 'vps', text: 'vps' } });
    expect(parseDestination('198.51.100.1').destination.host).toBe('198.51.100.1');
    expect(parseDestination('me@2001:db8::7').destination).toEqual({ user: 'me', host: '2001:db8::7', text: 'me@2001:db8::7' });
    expect(parseDestination('me@[2001:db8::7]').destination.host).toBe('2001:db8::7');
    // ssh splits at the last "@".
    expect(parseDestination('me@corp@vps').destination).toMatchObject({ user: 'me@corp', host: 'vps' });
    expect(parseDestination('ssh://me@vps:2222')).toEqual({ destination: { user: 'me', host: 'vps', text: 'ssh://me@vps:2222' }, port: 2222 });
    expect(parseDestination('ssh://[::1]/')).toEqual({ destination: { host: '::1', text: 'ssh://[::1]/' } });
  });

  it.each([
    ['-oProxyCommand=touch /tmp/x', /is not a host name, ssh alias or address/],
    ['me@-oProxyCommand=x', /is not a host name/],
    ['-l@vps', /"-l" is not a user name/],
    ['me@', /expected \[user@\]host/],
    ['me@vps name', /is not a host name/],
    ['me@vps;id', /is not a host name/],
    ['ssh://me:secret@vps', /carries a password/],
    ['ssh://me@vps:0', /0 is not a port number/],
    ['ssh://me@vps:70000', /70000 is not a port number/],
    ['ssh://me@[not-v6]', /is not a host name/],
    ['ssh://-oProxyCommand=x', /is not a host name/],
    ['ssh://me@vps/path', /expected/],
  ])('refuses %s with one line', (text, message) => {
    expect(() => parseDestination(text)).toThrow(UserError);
    expect(() => parseDestination(text)).toThrow(message);
    try {
      parseDestination(text);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe('parseSshOption', () => {
  it('normalises Key=Value and "Key Value"', () => {
    expect(parseSshOption('ConnectTimeout=5')).toBe('ConnectTimeout=5');
    expect(parseSshOption('ProxyJump bastion.example')).toBe('ProxyJump=bastion.example');
    expect(parseSshOption(' UserKnownHostsFile = /tmp/kh ')).toBe('UserKnownHostsFile=/tmp/kh');
    expect(parseSshOption('StrictHostKeyChecking=yes')).toBe('StrictHostKeyChecking=yes');
  });

  it.each(['StrictHostKeyChecking=no', 'StrictHostKeyChecking=accept-new', 'stricthostkeychecking off', 'StrictHostKeyChecking=ask'])(
    'never relaxes host key checking: %s',
    (text) => {
      expect(() => parseSshOption(text)).toThrow(/never relaxes host key checking/);
    },
  );

  it.each([
    ['BatchMode=no', /sets BatchMode itself \(reconnects run unattended/],
    ['ExitOnForwardFailure=no', /sets ExitOnForwardFailure itself/],
    ['ControlMaster=auto', /own connection/],
    ['ForkAfterAuthentication=yes', /foreground/],
    ['ClearAllForwardings=yes', /clear the tunnel's own forwarding/],
  ])('refuses %s: clawmoat sets it', (text, message) => {
    expect(() => parseSshOption(text)).toThrow(message);
  });

  it.each(['', 'NoValue', '=x', '-oFoo=bar', '1Key=v'])('refuses the malformed %j', (text) => {
    expect(() => parseSshOption(text)).toThrow(/expected an ssh option as Key=Value/);
  });
});

describe('sshOptions', () => {
  it('takes the port from -p or the URL, and refuses two that disagree', () => {
    expect(sshOptions('me@vps', { p: '2222' }).port).toBe(2222);
    expect(sshOptions('ssh://me@vps:2222', {}).port).toBe(2222);
    expect(sshOptions('ssh://me@vps:2222', { p: '2222' }).port).toBe(2222);
    expect(() => sshOptions('ssh://me@vps:2222', { p: '22' })).toThrow(/says port 2222 and -p says 22: give one/);
    expect(() => sshOptions('me@vps', { p: '22x' })).toThrow(/-p: 22x is not a port number/);
  });
});

describe('ssh argv', () => {
  const o = sshOptions('me@vps', { F: '/home/me/.ssh/other', i: ['/k1', '/k2'], p: '2222', o: ['ProxyJump=bastion', 'ServerAliveInterval=5'] });
  const forward = { localPort: 18789, remoteHost: '127.0.0.1', remotePort: 28789 };

  it('tunnel: -N -L on 127.0.0.1, clawmoat\'s options first, the user\'s next, keep-alives last, "--" before the host', () => {
    const args = tunnelArgs(o, forward, { forkAfterAuthentication: true });
    expect(args).toEqual([
      '-N',
      '-L',
      '127.0.0.1:18789:127.0.0.1:28789',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-o',
      'RemoteCommand=none',
      '-o',
      'PermitLocalCommand=no',
      '-o',
      'ForkAfterAuthentication=no',
      '-F',
      '/home/me/.ssh/other',
      '-i',
      '/k1',
      '-i',
      '/k2',
      '-p',
      '2222',
      '-o',
      'ProxyJump=bastion',
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ConnectTimeout=10',
      '--',
      'me@vps',
    ]);
    // ssh keeps the first value: the user's ServerAliveInterval=5 comes before clawmoat's default.
    expect(args.indexOf('ServerAliveInterval=5')).toBeLessThan(args.indexOf('ServerAliveInterval=15'));
    expect(args).not.toContain('StrictHostKeyChecking=no');
    expect(args.join(' ')).not.toMatch(/accept-new/);
  });

  it('leaves out options an old ssh does not know', () => {
    expect(tunnelArgs(o, forward, NO_FEATURES)).not.toContain('ForkAfterAuthentication=no');
    expect(collectArgs(o, '/tmp/x/cm', NO_FEATURES)).not.toContain('ForkAfterAuthentication=no');
  });

  it('collect: no TTY, no forwardings, a private control socket, "--" before the host', () => {
    const args = collectArgs(o, '/tmp/clawmoat-tunnel-x/cm', NO_FEATURES);
    expect(args.slice(0, 1)).toEqual(['-T']);
    expect(args).toContain('ClearAllForwardings=yes');
    expect(args).toContain('ControlPath=/tmp/clawmoat-tunnel-x/cm');
    expect(args).toContain('BatchMode=yes');
    expect(args).toContain('StrictHostKeyChecking=yes');
    expect(args.slice(-2)).toEqual(['--', 'me@vps']);
    expect(args.indexOf('BatchMode=yes')).toBeLessThan(args.indexOf('-F'));
  });

  it('brackets an IPv6 target, and always binds 127.0.0.1 here', () => {
    expect(forwardSpec({ localPort: 1, remoteHost: '::1', remotePort: 2 })).toBe('127.0.0.1:1:[::1]:2');
    expect(forwardSpec({ localPort: 40000, remoteHost: '10.0.0.5', remotePort: 18789 })).toBe('127.0.0.1:40000:10.0.0.5:18789');
  });

  it("--print: the command a user runs, without clawmoat's guard rails, quoted for a shell", () => {
    const printable = printableTunnelArgs(sshOptions('me@vps', { i: ['/home/me/my key'] }), forward);
    expect(printable).toEqual([
      'ssh',
      '-N',
      '-L',
      '127.0.0.1:18789:127.0.0.1:28789',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-i',
      '/home/me/my key',
      'me@vps',
    ]);
    expect(shellQuote(printable)).toBe(
      "ssh -N -L 127.0.0.1:18789:127.0.0.1:28789 -o ExitOnForwardFailure=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -i '/home/me/my key' me@vps",
    );
    expect(shellQuote(["it's"])).toBe(`'it'\\''s'`);
  });
});

describe('sshFeatures', () => {
  it('knows ForkAfterAuthentication from OpenSSH 8.7', () => {
    expect(sshFeatures('OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026').forkAfterAuthentication).toBe(true);
    expect(sshFeatures('OpenSSH_8.7p1, OpenSSL 1.1.1k').forkAfterAuthentication).toBe(true);
    expect(sshFeatures('OpenSSH_8.4p1 Debian-5+deb11u3, OpenSSL 1.1.1w').forkAfterAuthentication).toBe(false);
    expect(sshFeatures('OpenSSH_7.4p1, OpenSSL 1.0.2k-fips').forkAfterAuthentication).toBe(false);
    expect(sshFeatures('Dropbear v2022.83').forkAfterAuthentication).toBe(false);
  });
});

describe('explainSshFailure (stderr captured from OpenSSH 9.2)', () => {
  const where = 'root@198.51.100.1';
  const changed = [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    'The fingerprint for the ED25519 key sent by the remote host is',
    'SHA256:0bQ7ZrVZ3qU1c5c7v4bq9m0uTtN2Gq2tC0vR1mJm2zM.',
    'Please contact your system administrator.',
    'Add correct host key in /root/changed_known_hosts to get rid of this message.',
    'Offending ED25519 key in /root/changed_known_hosts:1',
    'Host key for 198.51.100.1 has changed and you have requested strict checking.',
    'Host key verification failed.',
    '',
  ].join('\n');

  it.each([
    [changed, /^the host key of root@198\.51\.100\.1 CHANGED since known_hosts recorded it .*never accepts a changed key/],
    [
      'No ED25519 host key is known for 198.51.100.1 and you have requested strict checking.\nHost key verification failed.\n',
      /^ssh does not know the host key of root@198\.51\.100\.1/,
    ],
    ['root@198.51.100.1: Permission denied (publickey).\n', /refused the login without a password \(clawmoat never prompts\)/],
    ['ssh: connect to host 198.51.100.1 port 2299: Connection refused\n', /^no ssh server answers on root@198\.51\.100\.1 \(connection refused\)/],
    [
      'ssh: connect to host 198.51.100.9 port 22: Connection timed out\n',
      /^root@198\.51\.100\.1 cannot be reached: connect to host 198\.51\.100\.9 port 22: Connection timed out$/,
    ],
    ['ssh: connect to host 198.51.100.9 port 22: No route to host\n', /cannot be reached: .*No route to host$/],
    ['ssh: Could not resolve hostname nohost.invalid: Name or service not known\n', /^the host name of root@198\.51\.100\.1 does not resolve$/],
    ['Connection to 198.51.100.1 closed by remote host.\n', /^the connection was lost: Connection to 198\.51\.100\.1 closed by remote host\.$/],
    ['Timeout, server 198.51.100.1 not responding.\n', /^the connection was lost: Timeout, server/],
    ['command-line: line 0: Bad configuration option: foo\n', /^ssh refused its options: command-line: line 0: Bad configuration option: foo$/],
    ['kex_exchange_identification: read: Connection reset by peer\n', /^the connection was lost/],
    ['', /^ssh failed: ssh exited with 255 and said nothing$/],
  ])('%#: one clause', (stderr, expected) => {
    const text = explainSshFailure(255, stderr, where);
    expect(text).toMatch(expected);
    expect(text).not.toContain('\n');
  });

  it('tells failures no retry fixes from those time may fix', () => {
    expect(isPermanentSshFailure(changed)).toBe(true);
    expect(isPermanentSshFailure('root@h: Permission denied (publickey).')).toBe(true);
    expect(isPermanentSshFailure('Host key verification failed.')).toBe(true);
    expect(isPermanentSshFailure('ssh: connect to host h port 22: Connection refused')).toBe(false);
    expect(isPermanentSshFailure('Connection to h closed by remote host.')).toBe(false);
    expect(isPermanentSshFailure('ssh: Could not resolve hostname vps: Temporary failure in name resolution')).toBe(false);
    expect(
      isPermanentSshFailure(
        'bind [127.0.0.1]:18789: Address already in use\nchannel_setup_fwd_listener_tcpip: cannot listen to port: 18789\nCould not request local forwarding.',
      ),
    ).toBe(false);
  });
});
