import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BACKOFF, backoffDelayMs, describeEvent, TunnelSupervisor, type TunnelEvent, type TunnelSeams } from '../../../src/remote/tunnel.js';

describe('backoffDelayMs', () => {
  it('doubles from 1 s and stays at 30 s', () => {
    expect(Array.from({ length: 9 }, (_, n) => backoffDelayMs(n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    expect(backoffDelayMs(1_000)).toBe(30_000);
    expect(backoffDelayMs(-1)).toBe(1_000);
  });

  it('follows the options given', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelayMs(n, { baseMs: 10, capMs: 50, stableMs: 0 }))).toEqual([10, 20, 40, 50]);
    expect(BACKOFF).toEqual({ baseMs: 1_000, capMs: 30_000, stableMs: 30_000 });
  });
});

/**
 * A stand-in for ssh: each "connection" is a real child process (a Node one-liner) that
 * writes what ssh would on stderr and exits the way the script says; "up" is whether the
 * current one has said it is.
 */
interface Connection {
  /** Time until it says it is up (undefined: never). */
  upAfterMs?: number;
  /** Time until it exits. */
  exitAfterMs: number;
  code: number;
  stderr: string;
}

function fakeSsh(connections: Connection[], owned: boolean | undefined = true): { seams: TunnelSeams; argvs: string[][]; pids: number[] } {
  const argvs: string[][] = [];
  const pids: number[] = [];
  let up = false;
  let index = 0;
  const seams: TunnelSeams = {
    pollMs: 5,
    acceptsConnections: async () => up,
    ownsListener: () => owned,
    spawnSsh: (args) => {
      argvs.push(args);
      const c = connections[Math.min(index++, connections.length - 1)]!;
      up = false;
      const script = `setTimeout(() => { process.stderr.write(${JSON.stringify(c.stderr)}); process.exit(${c.code}); }, ${c.exitAfterMs}); setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
      pids.push(child.pid!);
      if (c.upAfterMs !== undefined) {
        const timer = setTimeout(() => (up = true), c.upAfterMs);
        child.once('exit', () => {
          clearTimeout(timer);
          up = false;
        });
      }
      return child;
    },
  };
  return { seams, argvs, pids };
}

const fast = { baseMs: 20, capMs: 80, stableMs: 10_000 };

describe('TunnelSupervisor', () => {
  it('never calls a port another local process holds the tunnel: it stops, ends its ssh and says why', async () => {
    const steady = { upAfterMs: 10, exitAfterMs: 60_000, code: 0, stderr: '' };
    const { seams, pids } = fakeSsh([steady], false);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({
      sshArgs: ['-N', 'x'],
      localPort: 18789,
      where: 'root@vps',
      backoff: fast,
      seams,
      onEvent: (e) => events.push(e),
    });
    const outcome = await supervisor.run();
    expect(outcome).toEqual({
      kind: 'failed',
      reason: expect.stringMatching(/^127\.0\.0\.1:18789 is held by another local process, not this tunnel's ssh/) as string,
    });
    expect(events.map((e) => e.kind)).toEqual(['connecting']);
    expect(() => process.kill(pids[0]!, 0)).toThrow();
  });

  it('where ownership cannot be told (not Linux), a port that accepts is up, as before', async () => {
    const steady = { upAfterMs: 10, exitAfterMs: 60_000, code: 0, stderr: '' };
    const { seams } = fakeSsh([steady], undefined);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({
      sshArgs: ['-N', 'x'],
      localPort: 18789,
      where: 'root@vps',
      backoff: fast,
      seams,
      onEvent: (e) => events.push(e),
    });
    const outcome = supervisor.run();
    while (!events.some((e) => e.kind === 'up')) await new Promise((r) => setTimeout(r, 10));
    await supervisor.stop();
    expect(await outcome).toEqual({ kind: 'stopped' });
  });

  it('reconnects after a drop, with backoff, and stops on request killing its child', async () => {
    const dropped = { upAfterMs: 10, exitAfterMs: 150, code: 255, stderr: 'Connection to 198.51.100.1 closed by remote host.\n' };
    const refused = { exitAfterMs: 10, code: 255, stderr: 'ssh: connect to host 198.51.100.1 port 22: Connection refused\n' };
    const steady = { upAfterMs: 10, exitAfterMs: 60_000, code: 0, stderr: '' };
    const { seams, argvs, pids } = fakeSsh([dropped, refused, refused, steady]);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({
      sshArgs: ['-N', 'x'],
      localPort: 18789,
      where: 'root@vps',
      backoff: fast,
      seams,
      onEvent: (e) => events.push(e),
    });
    const outcome = supervisor.run();
    while (events.filter((e) => e.kind === 'up').length < 2) await new Promise((r) => setTimeout(r, 10));
    await supervisor.stop();
    expect(await outcome).toEqual({ kind: 'stopped' });

    expect(argvs).toHaveLength(4);
    expect(argvs.every((a) => a.join(' ') === '-N x')).toBe(true);
    const summary = events.map((e) =>
      e.kind === 'retry'
        ? `retry ${e.delayMs}`
        : e.kind === 'connecting'
          ? `connecting ${e.attempt}`
          : e.kind === 'up'
            ? `up${e.again ? ' again' : ''}`
            : e.kind,
    );
    expect(summary).toEqual([
      'connecting 1',
      'up',
      'down',
      'retry 20',
      'connecting 2',
      'down',
      'retry 40',
      'connecting 3',
      'down',
      'retry 80',
      'connecting 4',
      'up again',
      'stopped',
    ]);
    const downs = events.filter((e): e is Extract<TunnelEvent, { kind: 'down' }> => e.kind === 'down');
    expect(downs[0]).toMatchObject({ reason: 'the connection was lost: Connection to 198.51.100.1 closed by remote host.' });
    expect(downs[0]!.upMs).toBeGreaterThan(50);
    expect(downs[1]).toMatchObject({ reason: 'no ssh server answers on root@vps (connection refused): is sshd running, and on this port?', upMs: undefined });
    // The last child was ended by stop(), and only it was running.
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a connection that stayed up long enough starts the schedule over', async () => {
    const flaky = { exitAfterMs: 5, code: 255, stderr: 'ssh: connect to host h port 22: Connection timed out\n' };
    const stable = { upAfterMs: 5, exitAfterMs: 120, code: 255, stderr: 'Timeout, server h not responding.\n' };
    const steady = { upAfterMs: 5, exitAfterMs: 60_000, code: 0, stderr: '' };
    const { seams } = fakeSsh([flaky, flaky, stable, flaky, steady]);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({
      sshArgs: [],
      localPort: 1,
      where: 'h',
      backoff: { ...fast, stableMs: 60 },
      seams,
      onEvent: (e) => events.push(e),
    });
    const outcome = supervisor.run();
    while (events.filter((e) => e.kind === 'up').length < 2) await new Promise((r) => setTimeout(r, 10));
    await supervisor.stop();
    await outcome;
    expect(events.filter((e) => e.kind === 'retry').map((e) => (e as { delayMs: number }).delayMs)).toEqual([20, 40, 20, 40]);
  });

  it.each([
    [
      'a changed host key',
      '@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n',
      /CHANGED since known_hosts recorded it/,
    ],
    ['a login that needs a password', 'root@vps: Permission denied (publickey,password).\n', /refused the login without a password/],
  ])('gives up at once on %s', async (_name, stderr, reason) => {
    const { seams, argvs } = fakeSsh([{ exitAfterMs: 5, code: 255, stderr }]);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({ sshArgs: [], localPort: 1, where: 'root@vps', backoff: fast, seams, onEvent: (e) => events.push(e) });
    const outcome = await supervisor.run();
    expect(outcome.kind).toBe('failed');
    expect((outcome as { reason: string }).reason).toMatch(reason);
    expect(argvs).toHaveLength(1);
    expect(events.map((e) => e.kind)).toEqual(['connecting']);
  });

  it('reports a forwarded connection the other side refused, once per connection', async () => {
    const stderr = 'channel 2: open failed: administratively prohibited: open failed\nchannel 3: open failed: administratively prohibited: open failed\n';
    const { seams } = fakeSsh([
      { upAfterMs: 5, exitAfterMs: 60, code: 255, stderr },
      { upAfterMs: 5, exitAfterMs: 60_000, code: 0, stderr: '' },
    ]);
    const events: TunnelEvent[] = [];
    const supervisor = new TunnelSupervisor({ sshArgs: [], localPort: 1, where: 'root@vps', backoff: fast, seams, onEvent: (e) => events.push(e) });
    const outcome = supervisor.run();
    while (events.filter((e) => e.kind === 'up').length < 2) await new Promise((r) => setTimeout(r, 10));
    await supervisor.stop();
    await outcome;
    const refused = events.filter((e) => e.kind === 'channel-refused');
    expect(refused).toHaveLength(1);
    expect(describeEvent(refused[0]!, 1, 'root@vps')).toBe(
      'sshd on root@vps refused to forward a connection (open failed: administratively prohibited: open failed): AllowTcpForwarding or PermitOpen there forbids it',
    );
  });
});

describe('describeEvent', () => {
  it('one line per event', () => {
    expect(describeEvent({ kind: 'connecting', attempt: 1, pid: 7 }, 18789, 'me@vps')).toBe('connecting to me@vps (ssh pid 7)');
    expect(describeEvent({ kind: 'connecting', attempt: 3, pid: 9 }, 18789, 'me@vps')).toBe('reconnecting to me@vps, attempt 3 (ssh pid 9)');
    expect(describeEvent({ kind: 'up', pid: 7, again: false }, 18789, 'me@vps')).toBe('tunnel up: 127.0.0.1:18789 here → the gateway on me@vps');
    expect(describeEvent({ kind: 'down', reason: 'the connection was lost: x', upMs: 125_000 }, 18789, 'me@vps')).toBe(
      'tunnel down after 2 min: the connection was lost: x',
    );
    expect(describeEvent({ kind: 'retry', delayMs: 30_000, failures: 6 }, 18789, 'me@vps')).toBe('next attempt in 30 s');
    expect(describeEvent({ kind: 'stopped' }, 18789, 'me@vps')).toBe('tunnel closed');
  });
});
