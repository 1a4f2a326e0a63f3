/**
 * The Snapshot: everything clawmoat reads from a host, as one JSON document.
 * It is the contract between collection (host I/O) and analysis (pure), so every
 * field here is published in schema/snapshot.schema.json. Bump SNAPSHOT_VERSION on
 * any change that an older reader would misread.
 */
export const SNAPSHOT_VERSION = 1;

/** Why a source could not be read. A collector records this instead of failing. */
export type UnavailableReason = 'not-installed' | 'not-found' | 'permission-denied' | 'timeout' | 'not-running' | 'error';

export interface Unavailable {
  status: 'unavailable';
  reason: UnavailableReason;
  /** One human line: what was tried and what happened. */
  detail: string;
}

export interface Available<T> {
  status: 'ok';
  data: T;
}

/** A source that was read (`ok`) or could not be read (`unavailable`, with why). */
export type Collected<T> = Available<T> | Unavailable;

/**
 * A secret removed at collection time. The value never leaves the collector;
 * only facts the checks need (its length, where it came from) survive.
 */
export interface RedactedSecret {
  $redacted: true;
  length: number;
  /** e.g. "env:OPENCLAW_GATEWAY_TOKEN" when the config said "${OPENCLAW_GATEWAY_TOKEN}". */
  from?: string;
}

export interface Socket {
  protocol: 'tcp' | 'udp';
  /** Local address exactly as the kernel reports it: "0.0.0.0", "::", "127.0.0.1", "::1", "100.101.102.103". */
  address: string;
  port: number;
  family: 4 | 6;
  /** For "::" only: true when the socket is IPv6-only, false when it also takes IPv4 (ss prints "*"). */
  v6only?: boolean;
  /** Interface the socket is bound to with SO_BINDTODEVICE (ss prints "%eth0"). */
  boundInterface?: string;
  pid?: number;
  process?: string;
  /** argv of the owning process, secrets redacted. */
  cmdline?: string[];
}

export interface InterfaceAddress {
  family: 4 | 6;
  address: string;
  prefixlen: number;
  scope: string;
}

export interface NetInterface {
  name: string;
  up: boolean;
  linkType: string;
  /** e.g. "veth", "bridge", "tun", "wireguard" when the kernel reports it. */
  kind?: string;
  /** The bridge or bond this interface is a port of: what it receives, the host takes in on that master. */
  master?: string;
  addresses: InterfaceAddress[];
}

export interface Route {
  family: 4 | 6;
  /** "default" or a CIDR. */
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  type?: string;
  prefsrc?: string;
}

/** One policy routing rule (`ip -j rule`), as ip prints it. */
export interface PolicyRule {
  family: 4 | 6;
  priority: number;
  /** "all" or an address; with `srclen`/`dstlen` a prefix. */
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  iif?: string;
  oif?: string;
  fwmark?: string;
  fwmask?: string;
  /** The selector is inverted (`not`). */
  not?: boolean;
  /** The table looked up (`lookup T`); absent for other actions. */
  table?: string;
  /** blackhole, unreachable, prohibit, nop; absent for a table lookup. */
  action?: string;
  /** Every other key ip printed (goto, suppress_prefixlen, uid range, ipproto, ports, tos ...). */
  other?: string[];
}

export interface NetworkState {
  interfaces: Collected<NetInterface[]>;
  routes: Collected<Route[]>;
  /** Selected sysctls that decide routing: ip_forward, forwarding, route_localnet per interface. */
  sysctl: Collected<Record<string, string>>;
  /** Policy routing rules of both families; absent in snapshots taken before they were read. */
  rules?: Collected<PolicyRule[]>;
}

export interface NetfilterState {
  /** Which iptables the host's `iptables` command drives. */
  backend: 'nft' | 'legacy' | 'unknown';
  iptablesVersion?: string;
  iptablesSave: Collected<string>;
  ip6tablesSave: Collected<string>;
  /** Present when legacy tables exist beside nft ones: both sets of hooks run. */
  iptablesLegacySave?: Collected<string>;
  ip6tablesLegacySave?: Collected<string>;
  /** The parsed output of `nft -j list ruleset`. */
  nftRuleset: Collected<unknown>;
  /**
   * `nft --debug=netlink list ruleset`: the rules' bytecode. Collected only when the JSON has an
   * inet rule ending in `reject with tcp reset` without a family match, whose listing may have
   * dropped one (src/netfilter/nft-json/hidden-family.ts).
   */
  nftNetlink?: Collected<string>;
  ipsetSave: Collected<string>;
}

/** A file that was looked for and exists (or may) but could not be read. */
export interface UnreadableFile {
  path: string;
  reason: UnavailableReason;
  detail: string;
}

export interface UfwFiles {
  /** ENABLED= from /etc/ufw/ufw.conf. */
  enabledInConfig: boolean;
  /** DEFAULT_*_POLICY from /etc/default/ufw, e.g. { input: "DROP", output: "ACCEPT", forward: "DROP" }. */
  defaults: { input?: string; output?: string; forward?: string };
  /** The line of /etc/default/ufw each default was read from, for evidence. */
  defaultsLines?: { input?: number; output?: number; forward?: number };
  /** ufw.conf or /etc/default/ufw when they could not be read: the values above are then ufw's defaults, not the host's. */
  unreadable?: UnreadableFile[];
  /** The rule files ufw maintains, by name (user.rules, user6.rules, before.rules, after.rules, ...). */
  ruleFiles: Record<string, Collected<string>>;
  /** `ufw status verbose`, when it could be run (needs root). */
  statusVerbose: Collected<string>;
}

export interface UfwState {
  installed: boolean;
  /** Where ufw was found; it lives in /usr/sbin, often off a user's PATH. */
  binary?: string;
  files: UfwFiles;
}

export interface DockerPortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** "" means every address, as Docker reports it; "0.0.0.0", "::", "127.0.0.1", a host address. */
  hostIp: string;
  hostPort: string;
}

export interface DockerContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  /** HostConfig.NetworkMode: "default", "bridge", "host", "none", "container:<id>", or a network name. */
  networkMode: string;
  ports: DockerPortBinding[];
  /**
   * gateway: the network's gateway address as the container sees it, an address of this host on a bridge network.
   * aliases: the names other containers of that network reach it by besides its name (Aliases, DNSNames: a compose service name).
   */
  networks: { name: string; ipAddress?: string; ipv6Address?: string; gateway?: string; aliases?: string[] }[];
  /** Mounts: source on the host, destination in the container (a bind mount's source is a host path). */
  mounts: { type: string; source: string; destination: string }[];
  /** HostConfig.ExtraHosts, "name:address" as Docker keeps them ("host.docker.internal:host-gateway"). */
  extraHosts?: string[];
  labels: Record<string, string>;
  /** Config.Cmd + Entrypoint joined, secrets redacted. */
  command: string[];
  /** Config.Env, secrets redacted. */
  env: string[];
}

export interface DockerNetwork {
  id: string;
  name: string;
  driver: string;
  internal: boolean;
  subnets: string[];
  /** IPAM gateway addresses: on a bridge network, this host's address on it (what host-gateway names by default, on "bridge"). */
  gateways?: string[];
  bridgeName?: string;
  options: Record<string, string>;
}

export interface DockerState {
  /** The endpoint used: a unix socket path or DOCKER_HOST. */
  endpoint: string;
  version: { version: string; apiVersion: string; os?: string; kernel?: string };
  daemonConfig: Collected<Record<string, unknown>>;
  containers: DockerContainer[];
  networks: DockerNetwork[];
  /**
   * Containers the list named whose inspect failed (a 500, a timeout, one removed between list and
   * inspect): what they run and publish was not read. Absent: every listed container was inspected.
   */
  uninspected?: { id: string; name: string; detail: string }[];
  /** Why `/networks` could not be read, so Docker's bridges are not known as such. Absent: it was read. */
  networksUnread?: string;
}

export interface ComposeFile {
  path: string;
  /**
   * How it was found: passed with --compose (like `docker compose -f`), named by COMPOSE_FILE, or found
   * the way docker compose finds it (compose.yaml & co. in the working directory or a parent, and its override).
   */
  origin: 'argument' | 'COMPOSE_FILE' | 'cwd';
  /**
   * The project it belongs to (its directory). Files of one project are merged in snapshot order, as
   * `docker compose` merges `-f a.yml -f b.yml` or a file and its override. Absent: a project of its own.
   */
  project?: string;
  /** The file text, secrets redacted. Parsed during analysis so parse errors become findings. */
  content: Collected<string>;
  /** Values of the .env beside the compose file, for ${VAR} interpolation; secrets redacted. */
  dotenv?: Record<string, string>;
  /** Variables the file references that were set in the collecting shell (they override .env, as in compose). */
  environment?: Record<string, string>;
  /** Set when the file was not valid YAML, so its secrets were masked line by line (strictly): why. */
  redaction?: string;
}

export interface TailscaleState {
  binary: string;
  /** A subset of `tailscale status --json`: BackendState, Self, MagicDNSSuffix. */
  status: Collected<Record<string, unknown>>;
  /** `tailscale serve status --json` (Serve and Funnel configuration). */
  serve: Collected<Record<string, unknown>>;
}

export interface SshdState {
  binary: string;
  /** `sshd -T`, keys lower-cased, each with every value it was given (port can repeat). */
  effective: Collected<Record<string, string[]>>;
  /** Where `effective` came from: `sshd -T`, or the config files read directly when sshd -T could not run. */
  source?: 'sshd -T' | 'config-files';
  /** The config file sshd was started with (`-f`), when a running sshd said so. */
  configFile?: string;
  /** Processes titled sshd whose `-f` was not taken (not run by root, or not the sshd binary), and why. */
  ignoredConfigs?: string[];
  /**
   * The processes verified as root's own sshd (every uid 0, /proc/PID/exe the sshd binary): only
   * their sockets are sshd's. A process any user names `sshd` is not. Absent in older snapshots.
   */
  verifiedPids?: number[];
  /**
   * The config's Match blocks (`sshd -T` prints the global section only, so a block that turns
   * passwords on for some or all logins is seen only here). Absent in older snapshots.
   */
  matchBlocks?: Collected<SshdMatchBlock[]>;
}

/** A `Match` block of sshd's config: its criteria and the keys it sets (lower-cased, every value). */
export interface SshdMatchBlock {
  file: string;
  line: number;
  criteria: string;
  settings: Record<string, string[]>;
}

/** Where in a file a value came from, for evidence and SARIF. */
export interface SourceLocation {
  file: string;
  line: number;
  column?: number;
}

export interface OpenClawConfigResolved {
  path: string;
  /** How the path was chosen: OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR, a profile, the default, or a legacy name. */
  resolvedBy: string;
  /** Every file read: the main config then its $include files. */
  files: string[];
  /** The merged config with ${VAR} substituted and secrets replaced by RedactedSecret. */
  value: Record<string, unknown>;
  /** Dotted key path ("gateway.bind") → where it was written. */
  locations: Record<string, SourceLocation>;
  /** Non-fatal notes: missing ${VAR}, an include outside the allowed roots... */
  warnings: string[];
  /**
   * Dotted key path → the `${VAR}` names it uses that were unset (or empty) in the environment the
   * config was resolved with. OpenClaw refuses to load such a config (MissingEnvVarError); the
   * value keeps the text as written, so nothing may be judged on it.
   */
  unset?: Record<string, string[]>;
  /** The gateway process whose environment, HOME or cwd chose this file (read only as its owner could). */
  gatewayPid?: number;
  /** Could that process's owner replace this file themselves? harden edits the config only then (it acts for that user, not as root). */
  gatewayMayWrite?: boolean;
}

export interface OpenClawConfigInvalid {
  status: 'invalid';
  path: string;
  resolvedBy: string;
  error: { file: string; line?: number; column?: number; message: string };
}

export type OpenClawConfigState = Available<OpenClawConfigResolved> | OpenClawConfigInvalid | Unavailable;

/** The gateway flags a process was started with (`openclaw gateway run --bind lan ...`). */
export interface GatewayFlags {
  bind?: string;
  port?: number;
  auth?: string;
  tailscale?: string;
  profile?: string;
  dev?: boolean;
  token?: RedactedSecret;
  password?: RedactedSecret;
  passwordFile?: string;
  allowUnconfigured?: boolean;
}

export interface OpenClawProcess {
  pid: number;
  flags: GatewayFlags;
  /** argv, secrets redacted. */
  cmdline: string[];
  exe?: string;
  user?: string;
  /** Gateway-relevant environment (OPENCLAW_*, CLAWDBOT_*, MOLTBOT_*), secrets redacted. */
  env: Collected<Record<string, string | RedactedSecret>>;
  /** Working directory, to resolve a relative config path and a cwd .env. */
  cwd?: string;
}

export interface OpenClawUnit {
  path: string;
  scope: 'system' | 'user';
  /** Unit text, secrets redacted. */
  content: string;
}

export interface OpenClawState {
  /** Every config path considered, in the order OpenClaw would look. */
  configCandidates: string[];
  config: OpenClawConfigState;
  processes: OpenClawProcess[];
  /**
   * Processes that look like a gateway but whose network namespace could not be read (another
   * user's process, read without root): not counted as this host's gateway, and said so.
   */
  uncounted?: { pid: number; detail: string }[];
  units: OpenClawUnit[];
  version: Collected<{ version: string; source: string }>;
  /** Legacy state directories (~/.clawdbot, ~/.moltbot) still present; they may hold old tokens. */
  legacyDirs: string[];
  /**
   * The gateway process whose environment, HOME, profile and working directory the config was
   * resolved with, and whose flags and environment the audit reads (it is first in `processes`):
   * one holding a listening socket when any does (a process that only looks like a gateway must
   * not choose what is audited). Absent: no gateway process was found.
   */
  configFor?: { pid: number; listening: boolean };
  /**
   * Other gateway processes (the listening ones, when one listens) whose environment, HOME, working
   * directory or gateway flags differ from configFor's: they may run otherwise than what was read.
   */
  configDisagrees?: number[];
}

/**
 * A door: a user-space program that takes connections somewhere (its own listener, or the far
 * end of an outbound tunnel) and carries them to an upstream on this host. Read from the
 * program's real config (nginx -T, caddy adapt, haproxy.cfg, apache2.conf, cloudflared
 * config.yml, ngrok.yml, frpc.toml, rinetd.conf) or its command line (socat, ssh -L/-R,
 * autossh, kubectl port-forward). Secrets in a proxy config never reach the snapshot: only
 * these facts do.
 */
export type DoorKind = 'nginx' | 'caddy' | 'haproxy' | 'apache' | 'socat' | 'rinetd' | 'ssh' | 'kubectl' | 'cloudflared' | 'ngrok' | 'frp' | 'traefik';

export interface DoorListen {
  /** As the program binds it: "0.0.0.0", "::", "127.0.0.1", a host address. */
  address: string;
  port: number;
  location?: SourceLocation;
}

/** The far end of an outbound tunnel: nothing listens on this host for it. */
export interface DoorRemote {
  /** Where its clients connect: "https://gw.example.com", "tcp://frps.example.net:6000". */
  url: string;
  /** The port clients connect to there (443 for an https URL). */
  port: number;
  /** Who can connect there: anyone on the internet, or only whoever reaches the remote host. */
  audience: 'internet' | 'remote-host';
  /**
   * A policy outside this host decides who gets through (Cloudflare Access, an ngrok IP policy,
   * the remote sshd's GatewayPorts): why the cell is unknown rather than open. Absent: nothing
   * stands between the far end's audience and the upstream.
   */
  gate?: string;
}

export interface Door {
  kind: DoorKind;
  /** The process carrying it, when one is running. */
  pid?: number;
  /** Listeners on this host (absent or empty for an outbound tunnel). */
  listen?: DoorListen[];
  /**
   * Unix sockets it listens on (socat `UNIX-LISTEN:`, nginx `listen unix:`): no client of a zone
   * reaches one, but a door in front that sends to that path leads wherever this one does.
   */
  listenUnix?: { path: string; location?: SourceLocation }[];
  remote?: DoorRemote;
  /** Where it sends connections: a host and port, or a unix socket. */
  upstream: { host: string; port: number } | { unix: string };
  /** The directive or argument that sends it there, as written: "proxy_pass http://127.0.0.1:18789". */
  via: string;
  location?: SourceLocation;
  /** http: it speaks HTTP to the upstream and may set headers; tcp: bytes only (looks local to the gateway). */
  layer: 'http' | 'tcp';
  /** What the door does with X-Forwarded-For: none (not sent), overwrite, append (keeps the client's). */
  forwardedFor: 'none' | 'overwrite' | 'append' | 'unknown';
  forwardedForLocation?: SourceLocation;
  /** Authentication the door itself adds in front of the upstream, each as written with its place. */
  auth: { text: string; location?: SourceLocation }[];
  /** Names it answers to (server_name, Caddy site addresses, cloudflared hostname), for SNI. */
  serverNames?: string[];
  tls?: boolean;
  /** The Docker container the upstream address belongs to (a Traefik Docker-label route): not an address of this host. */
  container?: string;
  /** The door runs in this Docker container: its listeners are the host ports Docker publishes for it (docker-proxy or DNAT). */
  publishedBy?: string;
}

/** Something about a door that could not be read: every cell it could decide is unknown. */
export interface DoorProblem {
  kind: DoorKind;
  /** The process it concerns: its sockets cannot be judged. */
  pid?: number;
  /** A tunnel: it has no listener here, so the problem gets a row of its own. */
  tunnel?: boolean;
  /**
   * The host listeners of the program it concerns, when known without a process of its own here
   * (a container's published ports): those sockets are the ones that cannot be judged, matched by
   * address and port rather than by the program's name.
   */
  listen?: DoorListen[];
  /** The container it concerns (a door in a container). */
  publishedBy?: string;
  source: string;
  line?: number;
  detail: string;
}

export interface DoorsState {
  doors: Door[];
  problems: DoorProblem[];
  /** How each program's config was read, for the report: "nginx -T -c /etc/nginx/nginx.conf (pid 812)". */
  read: string[];
}

export interface Snapshot {
  schemaVersion: typeof SNAPSHOT_VERSION;
  tool: { name: 'clawmoat'; version: string };
  collectedAt: string;
  host: { hostname: string; kernel: string; uid: number; platform: string };
  /** How long each collector took, in milliseconds; helps explain a slow run. */
  timings: Record<string, number>;
  sockets: Collected<Socket[]>;
  network: NetworkState;
  netfilter: NetfilterState;
  ufw: Collected<UfwState>;
  docker: Collected<DockerState>;
  compose: ComposeFile[];
  tailscale: Collected<TailscaleState>;
  sshd: Collected<SshdState>;
  openclaw: OpenClawState;
  /** Reverse proxies, forwarders and tunnels (absent in snapshots taken before doors were read). */
  doors?: Collected<DoorsState>;
  /** How the host was read when not by `clawmoat collect` on the host itself (absent then). */
  collection?: SnapshotCollection;
  /**
   * Values held as secrets that the scrub left unmasked because they also occur among the host's
   * facts (an address, a rule word: snapshot/fact-strings.ts): masking them would have changed those
   * facts. Their lengths only. Absent: none.
   */
  unmaskedSecrets?: { length: number }[];
}

/** A snapshot parsed from the collection script's output (`collect --from`, `collect --via`). */
export interface SnapshotCollection {
  transport: 'script';
  /** Where it came from: the `--via` destination, or the output file parsed. */
  source: string;
  /** Reads the collectors asked for that the script did not make; each made its part `unavailable` or empty. */
  missing: string[];
}
