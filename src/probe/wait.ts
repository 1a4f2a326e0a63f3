/**
 * How long a connection attempt waits for an answer before the port is called `timeout`.
 *
 * A filtered port never answers, so its cost is the wait. `--timeout` (default 2 s) is the
 * upper bound, and the whole wait while nothing is known. Once ports on the same address have
 * answered from the same vantage point (a SYN-ACK or a RST), the round trip to that address is
 * known, and a port silent for many times that long is not going to answer: the wait shrinks to
 * `max(floor, factor × the fastest answer)`, as nmap's RTT-adaptive timeout does, and the
 * attempt is made twice (a second connect, so one lost SYN is not a false `timeout`). Both
 * attempts together stay within `--timeout`; when they would not fit, the fixed wait applies.
 *
 * Why the fastest answer: each answer is timed in this process, from the connect() call to the
 * moment the event loop sees the handshake, so a busy loop or a CPU shared with other work
 * adds tens of milliseconds to the network's microseconds, and more to the answers handled later
 * in a batch. The fastest answer carries the least of that; the factor and the floor cover the
 * network's jitter. Nor can a slow event loop make a false timeout: tcp.ts looks at the I/O that
 * came in before it calls a timer's expiry a timeout.
 */

export interface WaitPolicy {
  /** `--timeout`: no attempt waits longer, and a target never waits longer in all. */
  maxMs: number;
  /** false with `--no-adaptive-timeout`: every attempt waits `maxMs`, once. */
  adaptive: boolean;
}

/**
 * The shortest adaptive wait, nmap's --min-rtt-timeout: a hundred times a wired LAN's round trip,
 * thousands of times a local namespace's (the vantage points that adapt: --via keeps a fixed wait).
 */
export const ADAPTIVE_FLOOR_MS = 100;
/**
 * How many times the fastest answer from the address a silent port gets: nmap waits
 * srtt + 4 × rttvar, three times the first round trip it measures.
 */
export const ADAPTIVE_FACTOR = 5;

/** The wait that applies to one attempt, and why, in words for the report. */
export interface Wait {
  ms: number;
  adaptive: boolean;
  why: string;
}

/** The pure policy: the wait for an attempt on `address`, given the fastest answer seen from it (undefined: none yet). */
export function connectWait(address: string, fastestAnswerMs: number | undefined, policy: WaitPolicy): Wait {
  if (!policy.adaptive) return { ms: policy.maxMs, adaptive: false, why: 'fixed --timeout (adaptive timeout off)' };
  if (fastestAnswerMs === undefined)
    return { ms: policy.maxMs, adaptive: false, why: `fixed --timeout: no port on ${address} answered, so no round trip to adapt to` };
  const fastest = Math.max(0, Math.ceil(fastestAnswerMs));
  const ms = Math.max(ADAPTIVE_FLOOR_MS, ADAPTIVE_FACTOR * fastest);
  if (2 * ms > policy.maxMs)
    return {
      ms: policy.maxMs,
      adaptive: false,
      why: `fixed --timeout: the fastest answer from ${address} took ${fastest} ms, too slow for two shorter connects to fit in it`,
    };
  return { ms, adaptive: true, why: `adaptive: the fastest answer from ${address} took ${fastest} ms` };
}

/**
 * The fastest answer seen from each address, from one vantage point; attempts still waiting on
 * an address are told when an answer from it moves their deadline.
 */
export class RoundTrips {
  private readonly fastest = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();

  fastestFrom(address: string): number | undefined {
    return this.fastest.get(address);
  }

  record(address: string, ms: number): void {
    const before = this.fastest.get(address);
    if (before !== undefined && before <= ms) return;
    this.fastest.set(address, ms);
    for (const watcher of [...(this.watchers.get(address) ?? [])]) watcher();
  }

  /** Call `onChange` after every answer from `address`; returns the unsubscribe. */
  watch(address: string, onChange: () => void): () => void {
    let set = this.watchers.get(address);
    if (!set) this.watchers.set(address, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.watchers.delete(address);
    };
  }
}
