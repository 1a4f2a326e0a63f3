import net from 'node:net';
import { bracketed } from '../model/addresses.js';
import { UserError } from '../errors.js';

/**
 * The ssh command lines of `clawmoat tunnel`, built from the destination and the options the
 * user passes through (-F, -i, -p, -o, as ssh takes them), and what ssh's failures mean.
 *
 * OpenSSH keeps the first value it obtains for an option, command line before config files,
 * in argv order. So the options clawmoat relies on come first (nothing can override them),
 * then the user's, then defaults the user may override (keep-alives, the connect timeout).
 */

export interface SshDestination {
  user?: string;
  host: string;
  /** As the user wrote it, for messages: "me@vps", "ssh://me@vps:2222". */
  text: string;
}

export interface SshOptions {
  destination: SshDestination;
  /** -F: ssh then reads this file instead of ~/.ssh/config. */
  configFile?: string;
  /** -i, in order. */
  identities: string[];
  /** -p, or the port of an ssh:// destination. */
  port?: number;
  /** -o, normalised to "Key=Value". */
  options: string[];
}

/** The forwarding: 127.0.0.1:localPort here → remoteHost:remotePort as seen from the ssh server. */
export interface Forward {
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

/** What this ssh understands: options newer than the oldest OpenSSH still in use are only sent when known. */
export interface SshFeatures {
  /** ForkAfterAuthentication (OpenSSH 8.7): the config form of -f. */
  forkAfterAuthentication: boolean;
}

export const NO_FEATURES: SshFeatures = { forkAfterAuthentication: false };

/** From `ssh -V` (which prints on stderr): "OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.19". */
export function sshFeatures(versionText: string): SshFeatures {
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(versionText);
  if (!m) return NO_FEATURES;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return { forkAfterAuthentication: major > 8 || (major === 8 && minor >= 7) };
}

const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function isIPv6(text: string): boolean {
  return net.isIPv6(text.replace(/%[A-Za-z0-9_.-]+$/, ''));
}

function checkHost(host: string, text: string): void {
  // ssh would read a leading "-" as an option (-oProxyCommand=… runs a command here).
  if (!HOST_NAME.test(host) && !isIPv6(host)) throw new UserError(`${text}: "${host}" is not a host name, ssh alias or address`);
}

function checkUser(user: string, text: string): void {
  if (user === '' || user.startsWith('-') || /[\s\x00-\x1f\x7f]/.test(user)) throw new UserError(`${text}: "${user}" is not a user name`);
}

function parsePort(text: string, where: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) throw new UserError(`${where}: ${text} is not a port number (1-65535)`);
  return port;
}

/**
 * `[user@]host`, `user@[v6]`, or `ssh://[user@]host[:port]` (whose port is returned apart).
 * Anything ssh could take for an option, or that is not a host name or address, is refused.
 */
export function parseDestination(text: string): { destination: SshDestination; port?: number } {
  if (text.startsWith('ssh://')) {
    if (/^ssh:\/\/[^@/\s]*:[^@/\s]*@/.test(text) && !/^ssh:\/\/\[/.test(text)) {
      throw new UserError('the ssh:// URL carries a password, which clawmoat never sends: give ssh://user@host[:port] and a key (ssh-agent or ~/.ssh/config)');
    }
    const m = /^ssh:\/\/(?:([^@/\s]+)@)?(\[[^\]\s/@]+\]|[^:/@\s[\]]+)(?::(\d+))?\/?$/.exec(text);
    if (!m) throw new UserError(`${text}: expected [user@]host or ssh://[user@]host[:port]`);
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const destination: SshDestination = { host, text };
    if (m[1] !== undefined) {
      checkUser(m[1], text);
      destination.user = m[1];
    }
    if (m[2]!.startsWith('[') ? !isIPv6(host) : !HOST_NAME.test(host)) throw new UserError(`${text}: "${host}" is not a host name, ssh alias or address`);
    return m[3] !== undefined ? { destination, port: parsePort(m[3], text) } : { destination };
  }
  // ssh splits at the last "@": "a@b@host" is user "a@b".
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const host = (at >= 0 ? text.slice(at + 1) : text).replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UserError(`${text}: expected [user@]host or ssh://[user@]host[:port]`);
  if (user !== undefined) checkUser(user, text);
  checkHost(host, text);
  return { destination: user !== undefined ? { user, host, text } : { host, text } };
}

/** user@host as it goes on ssh's command line (after "--"). */
export function destinationArg(d: SshDestination): string {
  return d.user !== undefined ? `${d.user}@${d.host}` : d.host;
}

/**
 * Options clawmoat sets itself, and why a user's -o may not change them: a reconnect runs
 * unattended, so ssh must never prompt (BatchMode), never accept a host key it does not
 * already trust (StrictHostKeyChecking), and stay this process's child (no -f, no master).
 */
const OWN_OPTIONS: Record<string, string> = {
  batchmode: 'reconnects run unattended, so ssh must never prompt',
  stricthostkeychecking: 'clawmoat never accepts a host key that known_hosts does not already hold',
  exitonforwardfailure: 'a tunnel that cannot bind its port must fail, not run without it',
  controlmaster: 'the tunnel must be its own connection, so that a drop ends it',
  controlpath: 'the tunnel must be its own connection, so that a drop ends it',
  controlpersist: 'the tunnel must be its own connection, so that a drop ends it',
  forkafterauthentication: "ssh must stay in the foreground, as the tunnel supervisor's child",
  remotecommand: 'the tunnel runs no command there',
  permitlocalcommand: 'no LocalCommand runs here on each reconnect',
  clearallforwardings: "it would clear the tunnel's own forwarding too",
};

/** "Key=Value" from `-o Key=Value` or `-o "Key Value"`; clawmoat's own options are refused with the reason. */
export function parseSshOption(text: string): string {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=|\s)\s*(\S.*?)\s*$/.exec(text);
  if (!m) throw new UserError(`-o ${text}: expected an ssh option as Key=Value (see man ssh_config)`);
  const key = m[1]!;
  const value = m[2]!;
  if (key.toLowerCase() === 'stricthostkeychecking' && !/^(yes|true)$/i.test(value)) {
    throw new UserError(`-o ${text}: clawmoat never relaxes host key checking; connect once with ssh yourself to check and record the key`);
  }
  const reason = OWN_OPTIONS[key.toLowerCase()];
  if (reason && key.toLowerCase() !== 'stricthostkeychecking') throw new UserError(`-o ${text}: clawmoat sets ${key} itself (${reason})`);
  return `${key}=${value}`;
}

export interface PassThroughFlags {
  F?: string;
  i?: string[];
  p?: string;
  o?: string[];
}

/** The destination and the options passed through to ssh, checked; a port given twice must agree. */
export function sshOptions(destinationText: string, flags: PassThroughFlags): SshOptions {
  const { destination, port: urlPort } = parseDestination(destinationText);
  const flagPort = flags.p !== undefined ? parsePort(flags.p, '-p') : undefined;
  if (urlPort !== undefined && flagPort !== undefined && urlPort !== flagPort) {
    throw new UserError(`${destinationText} says port ${urlPort} and -p says ${flagPort}: give one`);
  }
  const options: SshOptions = { destination, identities: flags.i ?? [], options: (flags.o ?? []).map(parseSshOption) };
  const port = urlPort ?? flagPort;
  if (port !== undefined) options.port = port;
  if (flags.F !== undefined) options.configFile = flags.F;
  return options;
}

/** The user's own choices, as they would give them to ssh. */
export function passThroughArgs(o: SshOptions): string[] {
  return [
    ...(o.configFile !== undefined ? ['-F', o.configFile] : []),
    ...o.identities.flatMap((i) => ['-i', i]),
    ...(o.port !== undefined ? ['-p', String(o.port)] : []),
    ...o.options.flatMap((opt) => ['-o', opt]),
  ];
}

function optionArgs(options: string[]): string[] {
  return options.flatMap((o) => ['-o', o]);
}

/** The keep-alives of every tunnel: a dead connection is noticed within 45 s even when nothing flows. */
export const KEEPALIVE_OPTIONS = ['ServerAliveInterval=15', 'ServerAliveCountMax=3'];
const CONNECT_TIMEOUT = 'ConnectTimeout=10';

/**
 * The one connection that reads the remote host's facts: a private control socket (the
 * user's own ControlPath is neither reused nor left with a persisting master), no forwarding
 * of any kind, no TTY, no RemoteCommand or LocalCommand from the user's config.
 */
export function collectArgs(o: SshOptions, controlPath: string, features: SshFeatures): string[] {
  return [
    '-T',
    ...optionArgs([
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'RemoteCommand=none',
      'ClearAllForwardings=yes',
      'PermitLocalCommand=no',
      ...(features.forkAfterAuthentication ? ['ForkAfterAuthentication=no'] : []),
      'ControlMaster=auto',
      `ControlPath=${controlPath}`,
      'ControlPersist=10',
    ]),
    ...passThroughArgs(o),
    ...optionArgs([CONNECT_TIMEOUT]),
    '--',
    destinationArg(o.destination),
  ];
}

/** `-L` with an explicit loopback bind address: a GatewayPorts in the user's config cannot put the tunnel on their LAN. */
export function forwardSpec(f: Forward): string {
  return `127.0.0.1:${f.localPort}:${bracketed(f.remoteHost)}:${f.remotePort}`;
}

/**
 * The tunnel: `ssh -N -L`, its own connection (no control master to hand the forwarding to
 * and exit), in the foreground, never prompting. Forwardings in the user's config for that
 * host are set up too: ClearAllForwardings would clear this one as well.
 */
export function tunnelArgs(o: SshOptions, forward: Forward, features: SshFeatures): string[] {
  return [
    '-N',
    '-L',
    forwardSpec(forward),
    ...optionArgs([
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'ExitOnForwardFailure=yes',
      'ControlMaster=no',
      'ControlPath=none',
      'RemoteCommand=none',
      'PermitLocalCommand=no',
      ...(features.forkAfterAuthentication ? ['ForkAfterAuthentication=no'] : []),
    ]),
    ...passThroughArgs(o),
    ...optionArgs([...KEEPALIVE_OPTIONS, CONNECT_TIMEOUT]),
    '--',
    destinationArg(o.destination),
  ];
}

/** The command a user would run themselves (`--print`): what the tunnel needs, without clawmoat's guard rails. */
export function printableTunnelArgs(o: SshOptions, forward: Forward): string[] {
  return [
    'ssh',
    '-N',
    '-L',
    forwardSpec(forward),
    ...optionArgs(['ExitOnForwardFailure=yes', ...KEEPALIVE_OPTIONS]),
    ...passThroughArgs(o),
    destinationArg(o.destination),
  ];
}

/** POSIX shell quoting, only where needed. */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What a failed ssh says, as one clause; `where` names the destination ("root@vps"). */
export function explainSshFailure(code: number | null, stderr: string, where: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    // ssh's banner of @ signs and the debug chatter say nothing a user needs here.
    .filter((l) => l && !/^@+$/.test(l) && !/^debug\d:/.test(l));
  const last = lines.pop() ?? (code === null ? 'ssh was stopped' : `ssh exited with ${code} and said nothing`);
  // First: the changed-key warning speaks of passwords too.
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) {
    return `the host key of ${where} CHANGED since known_hosts recorded it (a reinstalled server, or someone in the middle); clawmoat never accepts a changed key: check the new key, then remove the old one with ssh-keygen -R`;
  }
  if (/Host key verification failed|No \S+ host key is known|host key is not known/i.test(stderr)) {
    return `ssh does not know the host key of ${where} (clawmoat never accepts a new key): connect once with ssh yourself to check and record it`;
  }
  if (/Permission denied|Too many authentication failures/i.test(stderr)) {
    return `${where} refused the login without a password (clawmoat never prompts): load the key into ssh-agent, or give it with -i or in ~/.ssh/config`;
  }
  if (/closed by remote host|Connection reset|Broken pipe|not responding|Connection closed/i.test(stderr))
    return `the connection was lost: ${last.replace(/^(ssh|client_loop): /, '')}`;
  if (/Could not resolve hostname|Name or service not known|nodename nor servname/i.test(stderr)) return `the host name of ${where} does not resolve`;
  if (/Connection refused/i.test(stderr)) return `no ssh server answers on ${where} (connection refused): is sshd running, and on this port?`;
  if (/timed out|No route to host|Network is unreachable|Host is down/i.test(stderr)) return `${where} cannot be reached: ${last.replace(/^ssh: /, '')}`;
  if (/Bad configuration option|Unsupported option|command-line line|bad extended/i.test(stderr))
    return `ssh refused its options: ${last.replace(/^ssh: /, '')}`;
  if (code === -1 && /not installed/.test(stderr)) return 'ssh is not installed on this machine (clawmoat uses your own OpenSSH client)';
  return `ssh failed: ${last.replace(/^ssh: /, '')}`;
}

/**
 * Failures that another attempt cannot fix: a key that must be checked by a person, a
 * login that needs a password, options ssh refuses. The supervisor stops on these instead of
 * retrying forever; a name that does not resolve is retried (a laptop waking up has no DNS yet).
 */
export function isPermanentSshFailure(stderr: string): boolean {
  return /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|No \S+ host key is known|Permission denied|Too many authentication failures|Bad configuration option|Unsupported option/i.test(
    stderr,
  );
}
