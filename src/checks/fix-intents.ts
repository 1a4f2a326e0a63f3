import type { DoorKind, SourceLocation } from '../snapshot/types.js';
import type { Publish } from '../model/docker.js';

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

/** The OpenClaw config file the gateway reads, as the check found it (absent: no config file was found). */
export interface ConfigRef {
  file?: string;
}

/**
 * Make the gateway listen on loopback (or, with `harden --remote tailnet`, the tailnet address):
 * `gateway.bind` in the config, and any `--bind` that outranks it on the command line.
 */
export interface GatewayBindIntent {
  kind: 'gateway.bind-private';
  /** `gateway.bind` as configured now: absent value = not set (OpenClaw's default, loopback). */
  config: ConfigRef & { key: 'gateway.bind'; value?: string; location?: SourceLocation };
  /** What makes the process listen elsewhere than its config says: a `--bind` flag or OPENCLAW_GATEWAY_BIND, as found. */
  override?: { value: string; source: string };
  /** Where the gateway is reachable that it should not be, "0.0.0.0:18789" (empty when it is not running). */
  listeners: string[];
}

/** Give the gateway a fresh long random token in `gateway.auth.token` (mode token). */
export interface GatewayTokenIntent {
  kind: 'gateway.set-token';
  config: ConfigRef;
  /** Why: auth off ("none"), a short token, or a live probe that got in unauthenticated. */
  because: 'auth-none' | 'short-token' | 'probe-open';
  /** Where the token that wins comes from now, when one is set: a flag or an env var outranks the config's. */
  current?: { source: string; location?: SourceLocation };
}

/** Remove break-glass keys from the config, keeping its comments. */
export interface DropDangerousFlagsIntent {
  kind: 'gateway.drop-dangerous-flags';
  config: ConfigRef;
  /** Each key that is on, by path, with where it is written (an `$include`d file is left to the user). */
  flags: { path: readonly string[]; location?: SourceLocation }[];
}

/** Turn a host firewall on (UFW, in the guide's order): nothing filters inbound traffic now. */
export interface FirewallEnableIntent {
  kind: 'firewall.enable';
  /** The families nothing filters. */
  unfiltered: ('ipv4' | 'ipv6')[];
  /**
   * `allows-incoming`: UFW is on, but its default incoming policy admits what no rule names.
   * `live-disagrees`: UFW is on and its files deny incoming, but the live ruleset accepts (a policy changed by hand).
   */
  ufw: 'not-installed' | 'inactive' | 'not-loaded' | 'allows-incoming' | 'live-disagrees';
}

/** Admit SSH in UFW before it denies incoming, on every port sshd listens on that no rule covers. */
export interface FirewallAllowSshIntent {
  kind: 'firewall.allow-ssh';
  ports: number[];
}

/**
 * Stop admitting the gateway port: the rules that admit it (from anywhere, or along the path a
 * zone's packet takes), and a default that denies what no rule admits.
 */
export interface FirewallDenyGatewayIntent {
  kind: 'firewall.deny-gateway-port';
  /** The ports it is reachable on (a door's own port, for a door). */
  ports: number[];
  /** The zone it is reachable from ("internet:eth0"); absent: from anywhere. */
  from?: string;
  /** The rules that admit it, as written, with their file and line where known. */
  rules: { text: string; location?: SourceLocation }[];
}

/** A published port as a compose file or `docker run` writes it (the model's own type: one home). */
export type PublishRef = Publish;

/** Publish a gateway workload's ports on 127.0.0.1 only (or, with `harden --no-publish`, not at all). */
export interface PublishLoopbackIntent {
  kind: 'docker.publish-loopback';
  workload: WorkloadRef;
  /** The gateway ports it publishes beyond loopback. */
  publishes: PublishRef[];
}

/** Move a gateway workload off Docker's default bridge onto a network of its own. */
export interface NetworkDedicatedIntent {
  kind: 'docker.network-dedicated';
  workload: WorkloadRef;
  networkMode: string;
  networks: string[];
}

/** Take a gateway workload off the host's network stack (and onto a network of its own). */
export interface NetworkNotHostIntent {
  kind: 'docker.network-not-host';
  workload: WorkloadRef;
}

/**
 * Filter Docker's published ports before Docker's own FORWARD rules accept them (DOCKER-USER
 * under iptables, a table of our own under Docker's nftables backend): UFW never sees them.
 */
export interface FilterPublishedIntent {
  kind: 'docker.filter-published';
  /** The gateway ports that reach a container past UFW, and from where. */
  ports: { port: number; from: string }[];
}

export type FixIntent =
  | DoorBindIntent
  | DoorTunnelIntent
  | DropSocketMountIntent
  | GatewayBindIntent
  | GatewayTokenIntent
  | DropDangerousFlagsIntent
  | FirewallEnableIntent
  | FirewallAllowSshIntent
  | FirewallDenyGatewayIntent
  | PublishLoopbackIntent
  | NetworkDedicatedIntent
  | NetworkNotHostIntent
  | FilterPublishedIntent;

/** The intent of one kind. */
export type IntentOf<K extends FixIntent['kind']> = Extract<FixIntent, { kind: K }>;
