import type { ReachVerdict } from '../model/reach.js';
import type { DoorKind, SourceLocation } from '../snapshot/types.js';

/**
 * The JSON of `clawmoat probe --json` (docs/probe-format.md). The names `results`, `vantage`,
 * `address`, `port`, `observed`, `predicted` and `openclaw.{detected,version,auth}` are stable.
 */

export type Observed = 'open' | 'refused' | 'timeout';

/**
 * What a connection attempt can end in; `error` is anything else (no route, reset mid-handshake…).
 * `attempts`: connects made when more than one (a silent port is tried again after an adaptive
 * wait); a `timeout` says how long each attempt waited (`timeoutMs`) and why (`detail`).
 */
export type ConnectOutcome =
  | { observed: 'open' | 'refused'; ms: number; attempts?: number }
  | { observed: 'timeout'; ms: number; timeoutMs?: number; attempts?: number; detail?: string }
  | { observed: 'error'; ms: number; detail: string; attempts?: number };

/** enforced: token or password required; none: gateway auth off; open: hello-ok without credentials. */
export type AuthPosture = 'enforced' | 'none' | 'open' | 'unknown';

export type Product = 'openclaw' | 'clawdbot' | 'moltbot';

export interface OpenclawFingerprint {
  detected: boolean;
  /** Which name the gateway answered with (legacy builds say Clawdbot or Moltbot). */
  product?: Product;
  /** The gateway's release, e.g. 2026.9.6; null when it did not tell. */
  version: string | null;
  /** The WebSocket protocol version it expects, from a deliberately impossible connect. */
  protocol?: number;
  auth: AuthPosture;
  /** Spoken over TLS (a door terminating it, or a port that asked for it), with the SNI name sent; certificates are not verified. */
  tls?: { servername?: string };
  /** Each signal, one line: what was sent and what came back. */
  evidence: string[];
}

export interface ProbeVantage {
  /** "host", "netns:NAME" or "ssh://user@host:port". */
  name: string;
  kind: 'host' | 'netns' | 'ssh';
  /** The reach zone this vantage is compared with, when one applies. */
  zone?: string;
  /**
   * How long a silent port was waited for: `adaptive` (the wait shrinks once other ports on the
   * same address have answered, and the port is tried twice) or `fixed` (every attempt waits
   * `maxMs`, the --timeout; over ssh, rounded up to whole seconds).
   */
  timeout?: { policy: 'adaptive' | 'fixed'; maxMs: number };
}

export interface ProbeResult {
  vantage: string;
  address: string;
  port: number;
  observed: Observed | 'error';
  /** Why an `error` or a `timeout` happened, one line: for a timeout, the wait and what it was based on. */
  detail?: string;
  /** From the first connect to the answer, or to giving up. */
  ms: number;
  /** A `timeout`: how long each connect waited for an answer. */
  timeoutMs?: number;
  /** Connects made, when more than one (a port silent after an adaptive wait is tried again). */
  attempts?: number;
  /** The reach model's verdict for this address and port from the vantage's zone; null without one. */
  predicted: ReachVerdict | null;
  /** The zone the prediction is for, and the model's one-line reason. */
  prediction?: { zone: string; reason: string; path: string[] };
  /** True when what happened contradicts the prediction: the model is missing something. */
  mismatch: boolean;
  /** The listener on the host that the port belongs to, when the host's sockets are known. */
  listener?: { address: string; process?: string; gateway: boolean };
  /**
   * The door of the host's model this port belongs to (a reverse proxy or forwarder listening
   * here): what answered came through it. `gateway`: the model says it leads to a gateway port (directly, or through doors behind it).
   */
  door?: { kind: DoorKind; name: string; via: string; location?: SourceLocation; upstream: string; gateway: boolean; tls?: boolean };
  openclaw: OpenclawFingerprint;
}

export interface ProbeReport {
  schemaVersion: 1;
  vantages: ProbeVantage[];
  results: ProbeResult[];
  /** Vantage points that could not run at all (a missing namespace, an ssh that wants a password). */
  errors: { vantage: string; message: string }[];
  /** Said plainly: the host's view is not the internet's, and every probe is logged by the gateway. */
  notes: string[];
}
