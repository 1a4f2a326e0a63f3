import type { DoorKind, SourceLocation } from '../snapshot/types.js';

/**
 * Fix intents: what a check says must change, beside the finding that shows why (ESLint's rule
 * `fix`, as data). A check knows the problem; `harden` (harden/plan/) turns an intent into
 * steps with their diff, validation, reload and undo, and never re-derives the check's
 * condition from its id. Types only: checks, harden and report may all name them.
 */

/** A door, as harden finds it again on the live host: the program, its process, and the directive that leads to the gateway. */
export interface DoorRef {
  kind: DoorKind;
  pid?: number;
  /** As written: "proxy_pass http://127.0.0.1:18789", "reverse_proxy 127.0.0.1:18789". */
  via: string;
  location?: SourceLocation;
}

/** A listener of a door as its config writes it: what to move, and where it is written. */
export interface DoorListenRef {
  /** As the program binds it now: "0.0.0.0", "::", a host address. */
  address: string;
  port: number;
  /** The directive that makes it (nginx `listen`); absent when no line says it (Caddy's default bind). */
  location?: SourceLocation;
}

/**
 * Move a proxy's public listeners to a private address: loopback (or, with `harden --remote
 * tailnet`, the tailnet address), validated with the program's own check before a reload.
 */
export interface DoorBindIntent {
  kind: 'door.bind-private';
  door: DoorRef;
  /** The listeners open beyond loopback that lead to the gateway. */
  listens: DoorListenRef[];
}

/**
 * An outbound tunnel carries the gateway to its far end: nothing on this host can be rewritten
 * safely (the policy lives at the edge), so harden explains the fix instead of guessing.
 */
export interface DoorTunnelIntent {
  kind: 'door.explain-tunnel';
  door: DoorRef;
  remote: { url: string; gate?: string };
}

/** A gateway container or compose service, by the label the model gives it ("service openclaw-gateway in /srv/compose.yaml"). */
export interface WorkloadRef {
  kind: 'container' | 'compose';
  label: string;
}

/** Drop the Docker socket mounts of a gateway workload: from its compose file, or, for a bare container, told how to recreate it. */
export interface DropSocketMountIntent {
  kind: 'docker.drop-socket-mount';
  workload: WorkloadRef;
  /** Each mount of a docker.sock, by source or target, with where it is written. */
  mounts: { source: string; target: string; location?: SourceLocation }[];
}

export type FixIntent = DoorBindIntent | DoorTunnelIntent | DropSocketMountIntent;
