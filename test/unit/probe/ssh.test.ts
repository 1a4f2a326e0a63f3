import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import http from 'node:http';
import { explainSshFailure, parseRemoteCheck, parseSshUrl, probeOverSsh, REMOTE_CHECK } from '../../../src/probe/vantage/ssh.js';
import { loopbackPorts } from './loopback-ports.js';

describe('parseSshUrl', () => {
  it('reads user, host and port', () => {
    expect(parseSshUrl('ssh://root@198.51.100.2:2222')).toEqual({ user: 'root', host: '198.51.100.2', port: 2222, name: 'ssh://root@198.51.100.2:2222' });
    expect(parseSshUrl('ssh://laptop.example')).toEqual({ host: 'laptop.example', name: 'ssh://laptop.example' });
    expect(parseSshUrl('ssh://me@vps2.example/')).toEqual({ user: 'me', host: 'vps2.example', name: 'ssh://me@vps2.example' });
    expect(parseSshUrl('ssh://my_alias')).toEqual({ host: 'my_alias', name: 'ssh://my_alias' });
  });

  it('takes IPv6 in brackets, with or without a port or a zone', () => {
    expect(parseSshUrl('ssh://me@[2001:db8::7]:22')).toEqual({ user: 'me', host: '2001:db8::7', port: 22, name: 'ssh://me@[2001:db8::7]:22' });
    expect(parseSshUrl('ssh://[::1]')).toEqual({ host: '::1', name: 'ssh://[::1]' });
    expect(parseSshUrl('ssh://[fe80::1%eth0]').host).toBe('fe80::1%eth0');
  });

  it.each([
    ['http://example.org', /expected ssh:\/\/\[user@\]host\[:port\]/],
    ['example.org', /expected ssh:\/\//],
    ['ssh://', /expected/],
    ['ssh://root@', /expected/],
    ['ssh://root@host:', /expected/],
    ['ssh://root@host:22/path', /expected/],
    ['ssh://root@host:0', /0 is not a port number/],
    ['ssh://root@host:99999', /99999 is not a port number/],
    ['ssh://a b@host', /expected/],
    ['ssh://[2001:db8::7', /expected/],
    ['ssh://[not-v6]', /is not a host name or address/],
    ['ssh://2001:db8::7', /expected/],
  ])('rejects %s with one line', (url, message) => {
    expect(() => parseSshUrl(url)).toThrow(UserError);
    expect(() => parseSshUrl(url)).toThrow(message);
    try {
      parseSshUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('never lets a host or user become an ssh option', () => {
    expect(() => parseSshUrl('ssh://-oProxyCommand=touch')).toThrow(/is not a host name or address/);
    expect(() => parseSshUrl('ssh://-oProxyCommand=touch@host')).toThrow(/is not a user name/);
    expect(() => parseSshUrl('ssh://root@-p1')).toThrow(/is not a host name or address/);
    expect(() => parseSshUrl('ssh://[-oProxyCommand=x]')).toThrow(/is not a host name or address/);
  });

  it('refuses a password in the URL without repeating it', () => {
    for (const url of ['ssh://root:hunter2@host', 'ssh://root:hunter2@host:22', 'ssh://:hunter2@host']) {
      expect(() => parseSshUrl(url)).toThrow(/carries a password, which clawmoat never sends/);
      try {
        parseSshUrl(url);
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2');
      }
    }
  });
});

describe('parseRemoteCheck', () => {
  it('reads one outcome per line, by target index', () => {
    const outcomes = parseRemoteCheck(['0 open 3', '2 refused 1', '1 timeout 2004', '3 error 5 No route to host', ''].join('\n'));
    expect([...outcomes.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, { observed: 'open', ms: 3 }],
      [1, { observed: 'timeout', ms: 2004 }],
      [2, { observed: 'refused', ms: 1 }],
      [3, { observed: 'error', ms: 5, detail: 'No route to host' }],
    ]);
  });

  it('skips what is not an answer (a login banner, a chatty .bashrc) and tolerates CRLF', () => {
    const outcomes = parseRemoteCheck('Welcome to Ubuntu\r\n0 open 12\r\nwait error 3 Invalid argument\n 1 refused 0 \nlast login: today\n7 maybe 3\n');
    expect([...outcomes.keys()].sort()).toEqual([0, 1]);
    expect(outcomes.get(1)).toEqual({ observed: 'refused', ms: 0 });
  });

  it('gives an error without a detail a generic one', () => {
    expect(parseRemoteCheck('4 error 0 ').get(4)).toEqual({ observed: 'error', ms: 0, detail: 'the connection failed' });
    expect(parseRemoteCheck('4 error 0').get(4)).toEqual({ observed: 'error', ms: 0, detail: 'the connection failed' });
  });

  it('is empty for nothing', () => {
    expect(parseRemoteCheck('').size).toBe(0);
  });
});

describe('explainSshFailure', () => {
  it.each([
    ['root@198.51.100.2: Permission denied (publickey,password).', 255, /^ssh wants a password or a key it was not given \(clawmoat never prompts\)/],
    ['Host key verification failed.', 255, /host key, or it changed/],
    [
      '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nPassword authentication is disabled to avoid man-in-the-middle attacks.\nroot@h: Permission denied (publickey).',
      255,
      /host key, or it changed/,
    ],
    ['ssh: Could not resolve hostname nope: Name or service not known', 255, /^the host name does not resolve$/],
    ['ssh: connect to host 198.51.100.2 port 2222: Connection timed out', 255, /^ssh failed: connect to host 198\.51\.100\.2 port 2222: Connection timed out$/],
    ['ssh: connect to host 198.51.100.2 port 2222: Connection refused\r\n', 255, /^ssh failed: connect to host 198\.51\.100\.2 port 2222: Connection refused$/],
    ['sh: 1: bash: not found', 127, /no bash there/],
    ['zsh:1: command not found: bash', 127, /no bash there/],
    ['This account is currently not available.', 1, /^ssh failed: This account is currently not available\.$/],
    ['', 0, /^ssh failed: the remote check printed nothing$/],
    ['\nssh did not finish within 18 s', null, /^ssh failed: ssh did not finish within 18 s$/],
  ])('%s → one line', (stderr, code, expected) => {
    const line = explainSshFailure(code, stderr);
    expect(line).toMatch(expected);
    expect(line).not.toMatch(/[\r\n]/);
  });
});

/** The remote script, run here by bash against loopback listeners: what R would run. */
describe.skipIf(spawnSync('bash', ['-c', 'command -v timeout'], { stdio: 'ignore' }).status !== 0)('REMOTE_CHECK run by bash', () => {
  let ports: Awaited<ReturnType<typeof loopbackPorts>>;
  let open: number;
  let closed: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-remote-check-'));
    ports = await loopbackPorts();
    ({ open, closed } = ports);
  });
  afterAll(async () => {
    await ports.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function runCheck(lines: string[], options: { path?: string; parallel?: number } = {}): string {
    const result = spawnSync('bash', ['-s', '--', '2', String(options.parallel ?? 32)], {
      input: `${REMOTE_CHECK}\n${lines.join('\n')}\n`,
      encoding: 'utf8',
      timeout: 15_000,
      env: { PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin', LANG: 'de_DE.UTF-8' },
    });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  }

  it('answers every target line, and only those (the script is not read as targets)', () => {
    const stdout = runCheck([`0 127.0.0.1 ${open}`, `1 127.0.0.1 ${closed}`, `2 127.0.0.1 ${open}`], { parallel: 2 });
    const outcomes = parseRemoteCheck(stdout);
    expect(stdout.trim().split('\n')).toHaveLength(3);
    expect(outcomes.get(0)?.observed).toBe('open');
    expect(outcomes.get(1)?.observed).toBe('refused');
    expect(outcomes.get(2)?.observed).toBe('open');
    for (const o of outcomes.values()) expect(o.ms).toBeLessThan(2_000);
  });

  it('reports a timeout when `timeout` gives up (exit 124)', () => {
    const bin = join(dir, 'timeout-bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'timeout'), '#!/bin/sh\nexit 124\n');
    chmodSync(join(bin, 'timeout'), 0o755);
    const outcomes = parseRemoteCheck(runCheck([`0 127.0.0.1 ${open}`], { path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` }));
    expect(outcomes.get(0)?.observed).toBe('timeout');
  });

  it('reports an error line with the reason for anything else', () => {
    const outcomes = parseRemoteCheck(runCheck(['0 127.0.0.1 notaport']));
    expect(outcomes.get(0)).toMatchObject({ observed: 'error' });
    expect((outcomes.get(0) as { detail: string }).detail).not.toBe('');
  });
});

/**
 * probeOverSsh end to end against loopback, with a stand-in `ssh` on PATH: it runs the remote
 * command here, and `-W host:port` relays with bash's /dev/tcp, the way ssh relays a channel.
 */
const FAKE_SSH = `#!/bin/bash
echo "$*" >> "$FAKE_SSH_LOG"
[ -n "$FAKE_SSH_FAIL" ] && { echo "$FAKE_SSH_FAIL" >&2; exit 255; }
w=
while [ $# -gt 0 ]; do
  case "$1" in
    -O) exit 0;;
    -W) w=$2; shift 2;;
    -o|-p) shift 2;;
    --) shift 2; break;;
    *) shift;;
  esac
done
if [ -n "$w" ]; then
  # A background job's stdin is /dev/null unless handed another descriptor (fd 4: ours).
  exec 3<>"/dev/tcp/\${w%:*}/\${w##*:}" 4<&0 || exit 255
  cat <&4 >&3 & up=$!
  cat <&3
  kill $up 2>/dev/null
  exit 0
fi
exec "$@"
`;

describe.skipIf(spawnSync('bash', ['-c', 'command -v timeout'], { stdio: 'ignore' }).status !== 0)('probeOverSsh with a stand-in ssh', () => {
  let dir: string;
  let server: http.Server;
  let port: number;
  let closed: number;
  const saved = { PATH: process.env.PATH, FAKE_SSH_LOG: process.env.FAKE_SSH_LOG, FAKE_SSH_FAIL: process.env.FAKE_SSH_FAIL };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-fake-ssh-'));
    writeFileSync(join(dir, 'ssh'), FAKE_SSH);
    chmodSync(join(dir, 'ssh'), 0o755);
    process.env.PATH = `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    process.env.FAKE_SSH_LOG = join(dir, 'log');
    // Answers and hangs up at once: the last bytes must not be lost when ssh exits.
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 404 : 200, { 'Content-Type': 'text/html', Connection: 'close' });
      res.end(`<!doctype html><title>not a gateway</title>${'x'.repeat(100_000)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    const spare = net.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    closed = (spare.address() as net.AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // A stand-in ssh that is still draining keeps its connection open; the assertions are done.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks on the far side and fingerprints over -W streams', async () => {
    const d = parseSshUrl('ssh://me@far.example:2222');
    const done: number[] = [];
    const sightings = await probeOverSsh(
      d,
      [
        { address: '127.0.0.1', port },
        { address: '127.0.0.1', port: closed },
      ],
      { timeoutMs: 1_000, concurrency: 4 },
      (_sighting, n) => done.push(n),
    );
    expect(sightings.map((s) => [s.port, s.outcome.observed])).toEqual([
      [port, 'open'],
      [closed, 'refused'],
    ]);
    expect(sightings[0]!.openclaw.detected).toBe(false);
    expect(sightings[0]!.openclaw.evidence.slice(0, 2)).toEqual(['GET /healthz → 404', 'GET / → 200']);
    expect(done).toEqual([1, 2]);
    const log = readFileSync(join(dir, 'log'), 'utf8');
    // Never prompts; the destination always comes after `--`; the master is closed at the end.
    for (const line of log.trim().split('\n')) expect(line).toMatch(/-o BatchMode=yes .*-p 2222 -- me@far\.example/);
    expect(log).toMatch(/-o BatchMode=yes.* -- me@far\.example bash -s -- 1 4\n/);
    expect(log).toMatch(/-W 127\.0\.0\.1:\d+ /);
    expect(log.trim().split('\n').pop()).toMatch(/^-O exit /);
  });

  it('turns an ssh that fails into one line', async () => {
    process.env.FAKE_SSH_FAIL = 'me@far.example: Permission denied (publickey,password).';
    try {
      await expect(probeOverSsh(parseSshUrl('ssh://me@far.example'), [{ address: '127.0.0.1', port }], { timeoutMs: 1_000, concurrency: 4 })).rejects.toThrow(
        /^ssh wants a password or a key it was not given/,
      );
      await expect(probeOverSsh(parseSshUrl('ssh://me@far.example'), [], { timeoutMs: 1_000, concurrency: 4 })).rejects.toThrow(/wants a password/);
    } finally {
      delete process.env.FAKE_SSH_FAIL;
    }
  });
});
