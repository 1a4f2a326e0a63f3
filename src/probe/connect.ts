import { tcpConnect, type Deadline } from './tcp.js';
import type { ConnectOutcome } from './types.js';
import { connectWait, type RoundTrips, type Wait, type WaitPolicy } from './wait.js';

/**
 * Is the port open, refused or silent? One connect whose wait follows the policy in wait.ts:
 * the full `--timeout` while nothing on the address has answered, shortened as soon as something
 * has. A port still silent after an adaptive wait is tried once more (a lost SYN is not a
 * filtered port); after the fixed wait it is not (the kernel has retransmitted the SYN by then,
 * and a second full wait would break the bound `--timeout` promises). `connect` is for tests.
 */
export async function probeConnect(
  address: string,
  port: number,
  policy: WaitPolicy,
  trips: RoundTrips,
  connect: typeof tcpConnect = tcpConnect,
): Promise<ConnectOutcome> {
  const started = performance.now();
  let wait: Wait = connectWait(address, trips.fastestFrom(address), policy);
  const deadline = (capMs: number): Deadline => ({
    ms: () => {
      wait = connectWait(address, trips.fastestFrom(address), policy);
      return Math.min(wait.ms, capMs);
    },
    watch: (onChange) => trips.watch(address, onChange),
  });

  const first = await connect(address, port, deadline(policy.maxMs));
  if (first.observed === 'open' || first.observed === 'refused') trips.record(address, first.ms);
  if (first.observed !== 'timeout') return first;
  if (!wait.adaptive) return { observed: 'timeout', ms: first.ms, timeoutMs: wait.ms, attempts: 1, detail: `no answer within ${wait.ms} ms; ${wait.why}` };

  // Both attempts together stay within --timeout.
  const cap = Math.max(0, policy.maxMs - (performance.now() - started));
  const second = await connect(address, port, deadline(cap));
  const ms = Math.round(performance.now() - started);
  if (second.observed === 'open' || second.observed === 'refused') {
    trips.record(address, second.ms);
    return { observed: second.observed, ms, attempts: 2 };
  }
  if (second.observed === 'error') return { ...second, ms, attempts: 2 };
  const waited = Math.round(Math.min(wait.ms, cap));
  return { observed: 'timeout', ms, timeoutMs: waited, attempts: 2, detail: `no answer to 2 connects, ${waited} ms each; ${wait.why}` };
}
