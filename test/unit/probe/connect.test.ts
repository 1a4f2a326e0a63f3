import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeConnect } from '../../../src/probe/connect.js';
import { tcpConnect, type Deadline } from '../../../src/probe/tcp.js';
import type { ConnectOutcome } from '../../../src/probe/types.js';
import { ADAPTIVE_FLOOR_MS, RoundTrips } from '../../../src/probe/wait.js';
import { loopbackPorts } from './loopback-ports.js';

/**
 * A stand-in for tcpConnect: `answers[port]` lists, attempt by attempt, what the port does
 * (`silent` waits out the deadline, which it re-reads when told it moved, as tcpConnect does).
 */
function fakeNetwork(answers: Record<number, ('open' | 'refused' | 'silent')[]>) {
  const attempts: { port: number; at: number }[] = [];
  const t0 = performance.now();
  const connect = (_host: string, port: number, wait: number | Deadline): Promise<ConnectOutcome> => {
    const deadline: Deadline = typeof wait === 'number' ? { ms: () => wait } : wait;
    attempts.push({ port, at: performance.now() - t0 });
    const what = answers[port]?.shift() ?? 'silent';
    if (what !== 'silent') return new Promise((resolve) => setTimeout(() => resolve({ observed: what, ms: 1 }), 1));
    const started = performance.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let unwatch: (() => void) | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => {
            unwatch?.();
            resolve({ observed: 'timeout', ms: Math.round(performance.now() - started) });
          },
          Math.max(0, deadline.ms() - (performance.now() - started)),
        );
      };
      arm();
      unwatch = deadline.watch?.(arm);
    });
  };
  return { connect, attempts };
}

describe('probeConnect: the adaptive wait and the retry', () => {
  it('waits the whole --timeout, once, for a silent port on an address nothing answered from', async () => {
    const { connect, attempts } = fakeNetwork({});
    const outcome = await probeConnect('192.0.2.10', 3306, { maxMs: 300, adaptive: true }, new RoundTrips(), connect);
    expect(outcome).toMatchObject({ observed: 'timeout', timeoutMs: 300, attempts: 1 });
    expect(outcome.observed === 'timeout' && outcome.detail).toBe(
      'no answer within 300 ms; fixed --timeout: no port on 192.0.2.10 answered, so no round trip to adapt to',
    );
    expect(outcome.ms).toBeGreaterThanOrEqual(295);
    expect(attempts).toHaveLength(1);
  });

  it('gives a silent port two connects of the adaptive wait once the address has answered, and says why', async () => {
    const trips = new RoundTrips();
    trips.record('192.0.2.10', 2);
    const { connect, attempts } = fakeNetwork({});
    const outcome = await probeConnect('192.0.2.10', 3306, { maxMs: 2_000, adaptive: true }, trips, connect);
    expect(outcome).toMatchObject({ observed: 'timeout', timeoutMs: ADAPTIVE_FLOOR_MS, attempts: 2 });
    expect(outcome.observed === 'timeout' && outcome.detail).toBe(
      `no answer to 2 connects, ${ADAPTIVE_FLOOR_MS} ms each; adaptive: the fastest answer from 192.0.2.10 took 2 ms`,
    );
    expect(outcome.ms).toBeLessThan(1_000);
    expect(attempts.map((a) => a.port)).toEqual([3306, 3306]);
  });

  it('shortens a wait already under way when another port on the address answers', async () => {
    const trips = new RoundTrips();
    const { connect } = fakeNetwork({});
    const started = performance.now();
    const pending = probeConnect('192.0.2.10', 3306, { maxMs: 5_000, adaptive: true }, trips, connect);
    setTimeout(() => trips.record('192.0.2.10', 1), 20);
    const outcome = await pending;
    expect(outcome).toMatchObject({ observed: 'timeout', timeoutMs: ADAPTIVE_FLOOR_MS, attempts: 2 });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('reports an answer to the retry as that answer: one lost SYN is not a filtered port', async () => {
    const trips = new RoundTrips();
    trips.record('192.0.2.10', 1);
    const { connect } = fakeNetwork({ 5432: ['silent', 'open'] });
    expect(await probeConnect('192.0.2.10', 5432, { maxMs: 2_000, adaptive: true }, trips, connect)).toMatchObject({ observed: 'open', attempts: 2 });
  });

  it('learns round trips from open and refused ports', async () => {
    const trips = new RoundTrips();
    const { connect } = fakeNetwork({ 22: ['open'], 25: ['refused'] });
    expect(await probeConnect('192.0.2.10', 22, { maxMs: 2_000, adaptive: true }, trips, connect)).toEqual({ observed: 'open', ms: 1 });
    expect(await probeConnect('192.0.2.10', 25, { maxMs: 2_000, adaptive: true }, trips, connect)).toEqual({ observed: 'refused', ms: 1 });
    expect(trips.fastestFrom('192.0.2.10')).toBe(1);
    expect(trips.fastestFrom('192.0.2.11')).toBeUndefined();
  });

  it('waits the whole --timeout, once, with the adaptive timeout off', async () => {
    const trips = new RoundTrips();
    trips.record('192.0.2.10', 1);
    const { connect, attempts } = fakeNetwork({});
    expect(await probeConnect('192.0.2.10', 3306, { maxMs: 250, adaptive: false }, trips, connect)).toMatchObject({
      observed: 'timeout',
      timeoutMs: 250,
      attempts: 1,
      detail: 'no answer within 250 ms; fixed --timeout (adaptive timeout off)',
    });
    expect(attempts).toHaveLength(1);
  });
});

describe('tcpConnect on loopback', () => {
  let ports: Awaited<ReturnType<typeof loopbackPorts>>;
  let open: number;
  let closed: number;
  beforeAll(async () => {
    ports = await loopbackPorts();
    ({ open, closed } = ports);
  });
  afterAll(async () => {
    await ports.close();
  });

  it('tells open from refused', async () => {
    expect((await tcpConnect('127.0.0.1', open, 2_000)).observed).toBe('open');
    expect((await tcpConnect('127.0.0.1', closed, 2_000)).observed).toBe('refused');
  });

  it('does not call a timeout an answer that came in while the event loop was busy past the deadline', async () => {
    const pending = tcpConnect('127.0.0.1', open, 5);
    // Node makes the connect() call on the next tick; block the loop after it, past the deadline.
    await new Promise<void>((resolve) => process.nextTick(resolve));
    const until = performance.now() + 60;
    while (performance.now() < until);
    expect((await pending).observed).toBe('open');
  });
});
