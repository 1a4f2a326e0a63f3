import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADAPTIVE_FACTOR, ADAPTIVE_FLOOR_MS, connectWait, RoundTrips } from '../../../src/probe/wait.js';

const adaptive = { maxMs: 2_000, adaptive: true };

describe('connectWait: how long a connect waits for a silent port', () => {
  it('waits the whole --timeout while nothing on the address has answered', () => {
    expect(connectWait('192.0.2.10', undefined, adaptive)).toEqual({
      ms: 2_000,
      adaptive: false,
      why: 'fixed --timeout: no port on 192.0.2.10 answered, so no round trip to adapt to',
    });
  });

  it('waits the floor when the address answers fast, and says from what', () => {
    expect(connectWait('192.0.2.10', 2, adaptive)).toEqual({
      ms: ADAPTIVE_FLOOR_MS,
      adaptive: true,
      why: 'adaptive: the fastest answer from 192.0.2.10 took 2 ms',
    });
    expect(connectWait('192.0.2.10', 0, adaptive).ms).toBe(ADAPTIVE_FLOOR_MS);
  });

  it('waits a multiple of the fastest answer above the floor, in whole ms', () => {
    expect(connectWait('192.0.2.10', 40, adaptive)).toMatchObject({ ms: 40 * ADAPTIVE_FACTOR, adaptive: true });
    expect(connectWait('192.0.2.10', 39.2, adaptive)).toMatchObject({
      ms: 40 * ADAPTIVE_FACTOR,
      why: 'adaptive: the fastest answer from 192.0.2.10 took 40 ms',
    });
  });

  it('keeps the fixed wait when two adaptive attempts would not fit in --timeout', () => {
    const slow = connectWait('192.0.2.10', 300, adaptive);
    expect(slow).toMatchObject({ ms: 2_000, adaptive: false });
    expect(slow.why).toMatch(/the fastest answer from 192\.0\.2\.10 took 300 ms, too slow for two shorter connects/);
    // --timeout 150: two connects of the 100 ms floor do not fit either.
    expect(connectWait('192.0.2.10', 1, { maxMs: 150, adaptive: true })).toMatchObject({ ms: 150, adaptive: false });
    expect(connectWait('192.0.2.10', 1, { maxMs: 2 * ADAPTIVE_FLOOR_MS, adaptive: true })).toMatchObject({ ms: ADAPTIVE_FLOOR_MS, adaptive: true });
  });

  it('waits the whole --timeout with the adaptive timeout off, whatever answered', () => {
    expect(connectWait('192.0.2.10', 1, { maxMs: 1_210, adaptive: false })).toEqual({
      ms: 1_210,
      adaptive: false,
      why: 'fixed --timeout (adaptive timeout off)',
    });
  });

  it('never waits less than the floor nor more than --timeout, and two adaptive waits fit in it', () => {
    fc.assert(
      fc.property(
        fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.boolean(),
        (fastest, maxMs, on) => {
          const wait = connectWait('192.0.2.10', fastest, { maxMs, adaptive: on });
          expect(wait.ms).toBeLessThanOrEqual(maxMs);
          if (wait.adaptive) {
            expect(on && fastest !== undefined).toBe(true);
            expect(wait.ms).toBeGreaterThanOrEqual(ADAPTIVE_FLOOR_MS);
            expect(wait.ms).toBeGreaterThanOrEqual(ADAPTIVE_FACTOR * (fastest ?? 0));
            expect(2 * wait.ms).toBeLessThanOrEqual(maxMs);
          } else expect(wait.ms).toBe(maxMs);
        },
      ),
    );
  });
});

describe('RoundTrips', () => {
  it('keeps the fastest answer per address', () => {
    const trips = new RoundTrips();
    expect(trips.fastestFrom('a')).toBeUndefined();
    trips.record('a', 30);
    trips.record('a', 12);
    trips.record('a', 50);
    trips.record('b', 7);
    expect(trips.fastestFrom('a')).toBe(12);
    expect(trips.fastestFrom('b')).toBe(7);
  });

  it('tells the attempts waiting on an address when a faster answer moves their deadline, until they stop watching', () => {
    const trips = new RoundTrips();
    const heard: string[] = [];
    const stop = trips.watch('a', () => heard.push('a'));
    trips.watch('b', () => heard.push('b'));
    trips.record('a', 20);
    trips.record('a', 25); // slower: the deadline does not move
    trips.record('a', 10);
    stop();
    trips.record('a', 5);
    expect(heard).toEqual(['a', 'a']);
  });
});
