import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkSshd, locateGateway, parseRemoteFacts, REMOTE_FACTS_SCRIPT, type RemoteFacts, type SshdFacts } from '../../../src/remote/remote-facts.js';

/** What the remote script prints, as captured from a root login on a VPS running the gateway. */
const ROOT_VPS = [
  'Welcome to your VPS! (a chatty .bashrc)',
  '@@clawmoat facts 1',
  '@@clawmoat uid 0',
  '@@clawmoat ss',
  'LISTEN 0      4096       127.0.0.1:28789      0.0.0.0:*    users:(("openclaw-gatewa",pid=16446,fd=22))',
  'LISTEN 0      4096       127.0.0.1:28791      0.0.0.0:*    users:(("openclaw-gatewa",pid=16446,fd=25))',
  'LISTEN 0      4096           [::1]:28789         [::]:*    users:(("openclaw-gatewa",pid=16446,fd=23))',
  'LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=812,fd=3))',
  'LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=500,fd=14))',
  '@@clawmoat ps',
  '16446 openclaw-gateway',
  '@@clawmoat sshd-T',
  'pubkeyauthentication yes',
  'authenticationmethods any',
  'allowtcpforwarding yes',
  'disableforwarding no',
  'permitopen any',
  '@@clawmoat end',
  '',
].join('\n');

/** The same host read by a user without root: no socket owners, no sshd -T; sshd_config and its Include. */
const USER_VPS = [
  '@@clawmoat facts 1',
  '@@clawmoat uid 1000',
  '@@clawmoat ss',
  'LISTEN 0      4096       127.0.0.1:28789      0.0.0.0:*',
  'LISTEN 0      4096           [::1]:28789         [::]:*',
  'LISTEN 0      128          0.0.0.0:22         0.0.0.0:*',
  '@@clawmoat ps',
  '16446 openclaw-gateway',
  '@@clawmoat file /etc/ssh/sshd_config',
  'Include /etc/ssh/sshd_config.d/*.conf',
  '#AllowTcpForwarding yes',
  'AllowTcpForwarding yes',
  'Match User deploy',
  '\tAllowTcpForwarding no',
  '@@clawmoat file /etc/ssh/sshd_config.d/50-hardening.conf',
  'AllowTcpForwarding local',
  'PermitOpen 127.0.0.1:28789 localhost:28789',
  '@@clawmoat end',
].join('\n');

function facts(over: Partial<RemoteFacts> = {}): RemoteFacts {
  return { uid: 0, sockets: [], gatewayProcesses: [], sshd: parseRemoteFacts(ROOT_VPS).sshd, ...over };
}

function sshd(over: Partial<SshdFacts>): SshdFacts {
  return {
    source: 'sshd -T',
    allowTcpForwarding: 'yes',
    disableForwarding: 'no',
    permitOpen: ['any'],
    pubkeyAuthentication: 'yes',
    authenticationMethods: 'any',
    matchBlocks: false,
    ...over,
  };
}

describe('parseRemoteFacts', () => {
  it('reads sockets, gateway processes and sshd -T, skipping what a login shell printed first', () => {
    const f = parseRemoteFacts(ROOT_VPS);
    expect(f.uid).toBe(0);
    expect(f.sockets).toHaveLength(5);
    expect(f.sockets![0]).toEqual({ protocol: 'tcp', address: '127.0.0.1', port: 28789, family: 4, pid: 16446, process: 'openclaw-gatewa' });
    expect(f.gatewayProcesses).toEqual([{ pid: 16446 }]);
    expect(f.sshd).toEqual(sshd({}));
  });

  it('without root: sshd_config as sshd reads it (Include spliced in at its line, first value wins, Match blocks noted)', () => {
    const f = parseRemoteFacts(USER_VPS);
    expect(f.uid).toBe(1000);
    expect(f.sockets!.every((s) => s.pid === undefined)).toBe(true);
    expect(f.sshd).toMatchObject({
      source: 'sshd_config',
      allowTcpForwarding: 'local',
      permitOpen: ['127.0.0.1:28789', 'localhost:28789'],
      pubkeyAuthentication: 'yes',
      matchBlocks: true,
    });
  });

  it('reads the --port of a gateway whose argv shows it, never keeping its token', () => {
    const text = ROOT_VPS.replace(
      '16446 openclaw-gateway',
      '16446 node /usr/lib/node_modules/openclaw/openclaw.mjs gateway run --port 28789 --token 0123456789abcdef',
    );
    const f = parseRemoteFacts(text);
    expect(f.gatewayProcesses).toEqual([{ pid: 16446, portFlag: 28789 }]);
    expect(JSON.stringify(f)).not.toContain('0123456789abcdef');
  });

  it('skips processes that mention openclaw but are not the gateway', () => {
    const text = ROOT_VPS.replace('16446 openclaw-gateway', '16446 openclaw-gateway\n2001 vim /root/.openclaw/openclaw.json\n2002 openclaw tui');
    expect(parseRemoteFacts(text).gatewayProcesses).toEqual([{ pid: 16446 }]);
  });

  it('records what could not be read: no ss, no sshd, an unreadable sshd_config', () => {
    const noSs = parseRemoteFacts(
      '@@clawmoat facts 1\n@@clawmoat uid 1000\n@@clawmoat ss\n@@clawmoat ss-missing\n@@clawmoat ps\n@@clawmoat sshd-missing\n@@clawmoat end\n',
    );
    expect(noSs.sockets).toBeUndefined();
    expect(noSs.sshd).toMatchObject({ source: 'unknown', why: 'there is no sshd binary on the PATH there' });
    const unreadable = parseRemoteFacts(
      '@@clawmoat facts 1\n@@clawmoat uid 1000\n@@clawmoat ss\n@@clawmoat ps\n@@clawmoat sshd_config-unreadable\n@@clawmoat end\n',
    );
    expect(unreadable.sockets).toEqual([]);
    expect(unreadable.sshd).toMatchObject({ source: 'unknown', why: 'sshd -T needs root there, and /etc/ssh/sshd_config is not readable' });
  });

  it.each([
    ['nothing', ''],
    ['a shell error', 'sh: 1: Syntax error: end of file unexpected\n'],
    ['a cut-off answer', ROOT_VPS.split('@@clawmoat sshd-T')[0]!],
  ])('throws when the script did not run to its end: %s', (_name, text) => {
    expect(() => parseRemoteFacts(text)).toThrow(/did not run to its end/);
  });

  it("the script runs in this machine's sh and its output parses", () => {
    const run = spawnSync('sh', ['-s'], { input: REMOTE_FACTS_SCRIPT, encoding: 'utf8', timeout: 15_000 });
    expect(run.status, run.stderr).toBe(0);
    const f = parseRemoteFacts(run.stdout);
    expect(f.uid).toBe(process.getuid?.());
    expect(['sshd -T', 'sshd_config', 'unknown']).toContain(f.sshd.source);
  });
});

describe('locateGateway', () => {
  it('the renamed gateway process owns its port: the lowest one it holds, loopback only', () => {
    expect(locateGateway(parseRemoteFacts(ROOT_VPS))).toEqual({
      port: 28789,
      portSource: 'socket of pid 16446 openclaw-gatewa',
      found: true,
      binds: ['127.0.0.1', '::1'],
      exposure: 'loopback',
      forwardHost: '127.0.0.1',
    });
  });

  it('without root: no owners, and a renamed process shows no --port: the default, with why', () => {
    const g = locateGateway(parseRemoteFacts(USER_VPS));
    expect(g).toMatchObject({ port: 18789, found: true, exposure: 'not-listening' });
    expect(g.portSource).toBe('default, pid 16446 runs the gateway, but its sockets are not visible without root');
  });

  it('a --port flag when the sockets have no owner', () => {
    const f = facts({ gatewayProcesses: [{ pid: 7, portFlag: 28789 }], sockets: [{ protocol: 'tcp', address: '127.0.0.1', port: 28789, family: 4 }] });
    expect(locateGateway(f)).toMatchObject({ port: 28789, portSource: '--port flag of pid 7', exposure: 'loopback' });
  });

  it('a node process that ps shows as the gateway owns the sockets by pid', () => {
    const f = facts({
      gatewayProcesses: [{ pid: 42 }],
      sockets: [
        { protocol: 'tcp', address: '0.0.0.0', port: 18789, family: 4, pid: 42, process: 'node' },
        { protocol: 'tcp', address: '127.0.0.1', port: 18791, family: 4, pid: 42, process: 'node' },
        { protocol: 'tcp', address: '127.0.0.1', port: 5432, family: 4, pid: 9, process: 'postgres' },
      ],
    });
    expect(locateGateway(f)).toMatchObject({
      port: 18789,
      portSource: 'socket of pid 42 node',
      exposure: 'all-interfaces',
      binds: ['0.0.0.0'],
      forwardHost: '127.0.0.1',
    });
  });

  it('nothing seen: the default port, and whatever listens on it', () => {
    const f = facts({ sockets: [{ protocol: 'tcp', address: '0.0.0.0', port: 18789, family: 4 }] });
    expect(locateGateway(f)).toEqual({
      port: 18789,
      portSource: 'default, no gateway process or socket seen there',
      found: false,
      binds: ['0.0.0.0'],
      exposure: 'all-interfaces',
      forwardHost: '127.0.0.1',
    });
    expect(locateGateway(facts({ sockets: undefined }))).toMatchObject({ exposure: 'unknown', portSource: 'default, ss is missing or failed there' });
  });

  it.each([
    ['dual-stack "::"', [{ address: '::', family: 6 as const, v6only: false }], 'all-interfaces', '127.0.0.1'],
    ['IPv6-only "[::]"', [{ address: '::', family: 6 as const, v6only: true }], 'all-interfaces', '::1'],
    ['::1 only', [{ address: '::1', family: 6 as const }], 'loopback', '::1'],
    ['a tailnet address', [{ address: '100.101.102.103', family: 4 as const }], 'address', '100.101.102.103'],
    [
      'a LAN address and loopback',
      [
        { address: '192.168.1.5', family: 4 as const },
        { address: '127.0.0.1', family: 4 as const },
      ],
      'address',
      '127.0.0.1',
    ],
    ['127.0.1.1', [{ address: '127.0.1.1', family: 4 as const }], 'loopback', '127.0.1.1'],
  ])('bind %s: exposure and the address to forward to', (_name, listeners, exposure, forwardHost) => {
    const f = facts({
      gatewayProcesses: [{ pid: 3 }],
      sockets: listeners.map((l) => ({ protocol: 'tcp' as const, port: 18789, pid: 3, process: 'openclaw-gatewa', ...l })),
    });
    expect(locateGateway(f)).toMatchObject({ port: 18789, exposure, forwardHost });
  });
});

describe('checkSshd', () => {
  it('allows the default sshd -T answer', () => {
    expect(checkSshd(sshd({}), '127.0.0.1', 28789)).toEqual({
      forwarding: 'allowed',
      forwardingReason: 'AllowTcpForwarding yes, PermitOpen any (sshd -T)',
      keyLogin: 'allowed',
      keyLoginReason: 'PubkeyAuthentication yes (sshd -T)',
    });
  });

  it.each([
    [{ allowTcpForwarding: 'no' }, 'AllowTcpForwarding no (sshd -T)'],
    [{ allowTcpForwarding: 'remote' }, 'AllowTcpForwarding remote (sshd -T)'],
    [{ disableForwarding: 'yes' }, 'DisableForwarding yes (sshd -T)'],
    [{ permitOpen: ['none'] }, 'PermitOpen none does not include 127.0.0.1:28789 (sshd -T)'],
    // sshd compares names as strings: localhost is not 127.0.0.1.
    [{ permitOpen: ['localhost:28789'] }, 'PermitOpen localhost:28789 does not include 127.0.0.1:28789 (sshd -T)'],
    [{ permitOpen: ['127.0.0.1:18789'] }, 'PermitOpen 127.0.0.1:18789 does not include 127.0.0.1:28789 (sshd -T)'],
  ])('refuses %j', (over, reason) => {
    expect(checkSshd(sshd(over), '127.0.0.1', 28789)).toMatchObject({ forwarding: 'refused', forwardingReason: reason });
  });

  it.each([[['127.0.0.1:28789']], [['*:28789']], [['127.0.0.1:*']], [['10.0.0.1:1', '127.0.0.1:28789']]])(
    'PermitOpen %j lets 127.0.0.1:28789 through',
    (permitOpen) => {
      expect(checkSshd(sshd({ permitOpen, allowTcpForwarding: 'local' }), '127.0.0.1', 28789).forwarding).toBe('allowed');
    },
  );

  it('matches a bracketed IPv6 entry', () => {
    expect(checkSshd(sshd({ permitOpen: ['[::1]:28789'] }), '::1', 28789).forwarding).toBe('allowed');
  });

  it('says where a value came from, and that Match blocks were not evaluated', () => {
    const check = checkSshd(parseRemoteFacts(USER_VPS).sshd, '127.0.0.1', 28789);
    expect(check).toMatchObject({
      forwarding: 'allowed',
      forwardingReason: 'AllowTcpForwarding local, PermitOpen 127.0.0.1:28789 localhost:28789 (sshd_config; Match blocks there not evaluated without root)',
    });
  });

  it('not checked: says why, and the login (which worked without a prompt) stands for key login', () => {
    expect(checkSshd({ ...sshd({}), source: 'unknown', why: 'there is no sshd binary on the PATH there' }, '127.0.0.1', 1)).toEqual({
      forwarding: 'unknown',
      forwardingReason: 'not checked: there is no sshd binary on the PATH there',
      keyLogin: 'allowed',
      keyLoginReason: 'the login worked without a prompt',
    });
    expect(checkSshd(sshd({ pubkeyAuthentication: 'no' }), '127.0.0.1', 1)).toMatchObject({ keyLogin: 'refused' });
  });
});
