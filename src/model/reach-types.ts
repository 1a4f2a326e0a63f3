import type { Step } from '../netfilter/simulate/types.js';
import type { DoorKind, Socket, SourceLocation } from '../snapshot/types.js';
import type { Zone } from './zones.js';

/**
 * The reachability matrix's types, in a leaf: the modules that compute it (reach.ts, attempt.ts,
 * serve-reach.ts, doors.ts) and everything that reads it name these without importing each other.
 */

/**
 * What a client in a zone gets: open (a connection completes), filtered (dropped or rejected on
 * the way, or the answer is lost), closed (it reaches the host, but no socket takes it), unknown
 * (the model cannot decide; the reason names the rule).
 */
export type ReachVerdict = 'open' | 'filtered' | 'closed' | 'unknown';

/** What a matrix row says about the door it is: the hop, where it is written, what it leads to. */
export interface DoorHop {
  kind: DoorKind | 'tailscale';
  /** The directive, as written: "proxy_pass http://127.0.0.1:18789", "serve https://gw…:443 → http://127.0.0.1:18789". */
  via: string;
  location?: SourceLocation;
  /** Where it sends connections: "127.0.0.1:18789", "unix:/run/openclaw.sock". */
  target: string;
  /** The authentication the door adds itself (auth_basic, basic_auth, Cloudflare Access verified locally…). */
  auth?: string[];
  /**
   * The doors behind this one, in order, when its target is another door's listener (nginx on :443 →
   * socat on 127.0.0.1:8080 → the gateway): each hop with its own directive and place.
   */
  chain?: DoorHop[];
  /**
   * Set when what the door does, or what a door behind it does, could not be read (or the chain is
   * too long to follow): every cell it would decide is unknown, for this reason.
   */
  unknown?: string;
}

/** Where a door leads: the gateway (through other doors, perhaps), or not, or unknown. */
export interface GatewayTarget {
  gateway: boolean;
  /** The gateway socket that takes it, when one does. */
  socket?: Socket;
  /** One sentence per hop, for the path: this door's, then each door's behind it. */
  steps: string[];
  /** The steps as one sentence, for a reason. */
  text: string;
  /** The doors behind this one that it goes through (see DoorHop.chain). */
  chain?: DoorHop[];
  /** Why it cannot be told whether the doors behind lead to the gateway (`gateway` is then true: not a pass). */
  unknown?: string;
}

export interface ReachListener {
  address: string;
  port: number;
  protocol: 'tcp' | 'udp';
  process?: string;
  pid?: number;
  gateway: boolean;
  /** A Tailscale Serve/Funnel port (process "tailscaled"): where tailscaled sends what it takes there. */
  serve?: string;
  /**
   * The row is a door: a user-space program that carries what it takes to `door.target` (a reverse
   * proxy or forwarder on this socket, tailscaled for a Serve port, an outbound tunnel with no
   * listener here). `gateway` is then true when the door leads to a gateway port.
   */
  door?: DoorHop;
}

export interface ReachCell {
  listener: ReachListener;
  zone: { name: string; kind: Zone['kind']; interface: string; source: string };
  verdict: ReachVerdict;
  /** The destination address the deciding packet was sent to (weak host: not always the bind address). */
  destination: string;
  /** The port the deciding packet was sent to, when a DNAT/REDIRECT took it from there to the listener's port. */
  destinationPort?: number;
  /** One sentence: why this verdict. */
  reason: string;
  path: Step[];
}

export interface ReachMatrix {
  zones: Zone[];
  listeners: ReachListener[];
  cells: ReachCell[];
  /** Why the matrix may be incomplete (e.g. the ruleset could not be read). */
  limitations: string[];
}
