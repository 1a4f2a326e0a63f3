import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGatewayArgv } from '../collect/openclaw.js';
import { parseSs, type ParsedSsLine } from '../collect/sockets.js';
import { DEFAULT_GATEWAY_PORT } from '../model/gateway.js';
import { parseGatewayFlags } from '../openclaw/flags.js';
import { UserError } from '../errors.js';
import { collectArgs, explainSshFailure, type SshFeatures, type SshOptions } from './ssh-args.js';
import { runSsh } from './run-ssh.js';
import { isLoopback, hostPort } from '../model/addresses.js';

/**
 * What the tunnel needs to know about the remote host, read over one ssh login with nothing
 * installed there: its TCP listeners (`ss`), the OpenClaw gateway processes (`ps`), and
 * what sshd allows (`sshd -T`, which needs root; else sshd_config as far as it is readable).
 * Everything is parsed here, so the remote side is a small POSIX sh script.
 */

/**
 * Sent on stdin to `sh -s`: the whole script is one { … } block, read before any of it runs,
 * and its commands read /dev/null, not the script. Sections start with "@@clawmoat"
 * markers; anything before the first one (a chatty .bashrc) is skipped. A gateway in another
 * network namespace there (a container) does not listen where the tunnel arrives, so `ps`
 * lines are kept only for this login's namespace when /proc tells (Linux; root sees all).
 * The gateway's argv comes back (a --token on it too) but is only matched, never printed.
 */
export const REMOTE_FACTS_SCRIPT = String.raw`{
LC_ALL=C; export LC_ALL
PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin"
K='^[[:space:]]*(allowtcpforwarding|disableforwarding|permitopen|pubkeyauthentication|authenticationmethods|match|include)([[:space:]]|=)'
echo "@@clawmoat facts 1"
echo "@@clawmoat uid $(id -u 2>/dev/null)"
echo "@@clawmoat ss"
if command -v ss >/dev/null 2>&1; then
  ss -Hltnp 2>/dev/null || ss -ltnp 2>/dev/null || ss -ltn 2>/dev/null || echo "@@clawmoat ss-failed"
else echo "@@clawmoat ss-missing"; fi
echo "@@clawmoat ps"
me=$(readlink /proc/$$/ns/net 2>/dev/null)
ps -eo pid,args 2>/dev/null | grep -Ei '[o]penclaw|[c]lawdbot|[m]oltbot|[c]lawdis' | while read -r pid args; do
  ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null)
  if [ -n "$me" ] && [ -n "$ns" ] && [ "$ns" != "$me" ]; then continue; fi
  echo "$pid $args"
done
if command -v sshd >/dev/null 2>&1; then
  t=""
  u=$(id -un 2>/dev/null)
  set -- $SSH_CONNECTION
  if [ $# -ge 4 ]; then
    t=$(sshd -T -C "user=$u,host=$1,addr=$1,laddr=$3,lport=$4" 2>/dev/null) || t=""
    [ -n "$t" ] || t=$(sshd -T -C "user=$u,host=$1,addr=$1" 2>/dev/null) || t=""
  fi
  [ -n "$t" ] || t=$(sshd -T 2>/dev/null) || t=""
  if [ -n "$t" ]; then
    echo "@@clawmoat sshd-T"
    printf '%s\n' "$t" | grep -Ei '^(allowtcpforwarding|disableforwarding|permitopen|pubkeyauthentication|authenticationmethods) '
  fi
else t=""; echo "@@clawmoat sshd-missing"; fi
if [ -z "$t" ]; then
  if [ -r /etc/ssh/sshd_config ]; then
    echo "@@clawmoat file /etc/ssh/sshd_config"
    grep -Ei "$K" /etc/ssh/sshd_config
    for p in $(grep -Ei '^[[:space:]]*include[[:space:]]' /etc/ssh/sshd_config | sed 's/^[[:space:]]*[A-Za-z]*[[:space:]]*//'); do
      case "$p" in /*) ;; *) p="/etc/ssh/$p";; esac
      for f in $p; do
        if [ -r "$f" ]; then echo "@@clawmoat file $f"; grep -Ei "$K" "$f"; fi
      done
    done
  elif [ -e /etc/ssh/sshd_config ]; then echo "@@clawmoat sshd_config-unreadable"
  fi
fi
echo "@@clawmoat end"
} </dev/null
`;

export interface GatewayProcess {
  pid: number;
  /** The --port flag, when its argv shows one (a renamed process shows none). */
  portFlag?: number;
}

export interface SshdFacts {
  /** Where the values come from: `sshd -T` (what sshd runs with, Match blocks evaluated for this login) or the config files. */
  source: 'sshd -T' | 'sshd_config' | 'unknown';
  /** Why nothing could be read (source unknown). */
  why?: string;
  /** Lower-case values as sshd prints them; a missing key has its default. */
  allowTcpForwarding: string;
  disableForwarding: string;
  /** "any", "none", or host:port entries. */
  permitOpen: string[];
  pubkeyAuthentication: string;
  authenticationMethods: string;
  /** sshd_config has Match blocks that set one of these: not evaluated without sshd -T. */
  matchBlocks: boolean;
}

export interface RemoteFacts {
  uid?: number;
  /** undefined when ss is missing or failed there. */
  sockets?: ParsedSsLine[];
  gatewayProcesses: GatewayProcess[];
  sshd: SshdFacts;
}

const MARKER = /^@@clawmoat (\S+)(?: (.*))?$/;

const SSHD_DEFAULTS = { allowTcpForwarding: 'yes', disableForwarding: 'no', permitOpen: ['any'], pubkeyAuthentication: 'yes', authenticationMethods: 'any' };

const SSHD_KEYS: Record<string, keyof typeof SSHD_DEFAULTS> = {
  allowtcpforwarding: 'allowTcpForwarding',
  disableforwarding: 'disableForwarding',
  permitopen: 'permitOpen',
  pubkeyauthentication: 'pubkeyAuthentication',
  authenticationmethods: 'authenticationMethods',
};

function keyValue(line: string): { key: string; value: string } | undefined {
  const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(line);
  return m ? { key: m[1]!.toLowerCase(), value: m[2]!.replace(/\s+#.*$/, '') } : undefined;
}

/** `sshd -T` prints one line per key (PermitOpen once, entries space-separated), every value resolved. */
function sshdFromDashT(lines: string[]): SshdFacts {
  const facts: SshdFacts = { source: 'sshd -T', ...SSHD_DEFAULTS, matchBlocks: false };
  for (const line of lines) {
    const kv = keyValue(line);
    const field = kv && SSHD_KEYS[kv.key];
    if (!kv || !field) continue;
    if (field === 'permitOpen') facts.permitOpen = kv.value.toLowerCase().split(/\s+/).filter(Boolean);
    else facts[field] = kv.value.toLowerCase();
  }
  return facts;
}

/** A shell glob of an Include line as a test on a path ("sshd_config.d/*.conf" is relative to /etc/ssh). */
function globTest(pattern: string): (path: string) => boolean {
  const absolute = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
  const re = new RegExp(
    `^${absolute
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  return (path) => re.test(path);
}

/**
 * sshd_config as sshd reads it: the first value obtained wins, Include splices files in at
 * its line (one level, as the script read them), and a Match block (to the next Match or the
 * end of its file) applies only to some logins, so it only raises `matchBlocks`.
 */
function sshdFromFiles(files: { path: string; lines: string[] }[]): SshdFacts {
  const facts: SshdFacts = { source: 'sshd_config', ...SSHD_DEFAULTS, matchBlocks: false };
  const seen = new Set<string>();
  const byPath = new Map(files.map((f) => [f.path, f]));
  const walk = (file: { path: string; lines: string[] }, depth: number): void => {
    let inMatch = false;
    for (const line of file.lines) {
      const kv = keyValue(line);
      if (!kv) continue;
      if (kv.key === 'match') {
        inMatch = !/^all$/i.test(kv.value);
        continue;
      }
      if (kv.key === 'include') {
        if (depth > 0) continue;
        for (const pattern of kv.value.split(/\s+/).filter(Boolean)) {
          const test = globTest(pattern);
          for (const f of files) if (f !== file && test(f.path) && byPath.has(f.path)) walk(f, depth + 1);
        }
        continue;
      }
      const field = SSHD_KEYS[kv.key];
      if (!field) continue;
      if (inMatch) {
        facts.matchBlocks = true;
        continue;
      }
      if (seen.has(field)) continue;
      seen.add(field);
      if (field === 'permitOpen') facts.permitOpen = kv.value.toLowerCase().split(/\s+/).filter(Boolean);
      else facts[field] = kv.value.toLowerCase();
    }
  };
  if (files[0]) walk(files[0], 0);
  return facts;
}

function unknownSshd(why: string): SshdFacts {
  return { source: 'unknown', why, ...SSHD_DEFAULTS, matchBlocks: false };
}

/** The script's output; throws when it did not run to its end (ssh failed, or no sh there). */
export function parseRemoteFacts(stdout: string): RemoteFacts {
  const lines = stdout.split('\n').map((l) => l.replace(/\r$/, ''));
  const start = lines.findIndex((l) => /^@@clawmoat facts \d+$/.test(l));
  if (start < 0 || !lines.slice(start).some((l) => l === '@@clawmoat end')) throw new Error('the remote script did not run to its end');
  const sections = new Map<string, string[]>();
  const files: { path: string; lines: string[] }[] = [];
  const flags = new Set<string>();
  let uid: number | undefined;
  let current: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    const m = MARKER.exec(line);
    if (!m) {
      current?.push(line);
      continue;
    }
    const [, name, rest] = m;
    if (name === 'end') break;
    if (name === 'uid') {
      if (rest && /^\d+$/.test(rest)) uid = Number(rest);
      current = undefined;
    } else if (name === 'file' && rest) {
      current = [];
      files.push({ path: rest, lines: current });
    } else if (name === 'ss' || name === 'ps' || name === 'sshd-T') {
      current = [];
      sections.set(name!, current);
    } else {
      // ss-missing, ss-failed, sshd-missing, sshd_config-unreadable: facts about what could not be read.
      flags.add(name!);
      current = undefined;
    }
  }

  const facts: RemoteFacts = { gatewayProcesses: [], sshd: unknownSshd('') };
  if (uid !== undefined) facts.uid = uid;
  if (!flags.has('ss-missing') && !flags.has('ss-failed'))
    facts.sockets = parseSs((sections.get('ss') ?? []).join('\n')).sockets.filter((s) => s.protocol === 'tcp');
  for (const line of sections.get('ps') ?? []) {
    const m = /^\s*(\d+)\s+(.+)$/.exec(line);
    if (!m) continue;
    const argv = m[2]!.trim().split(/\s+/);
    if (!isGatewayArgv(argv)) continue;
    const entry: GatewayProcess = { pid: Number(m[1]) };
    const port = parseGatewayFlags(argv).port;
    if (port !== undefined) entry.portFlag = port;
    facts.gatewayProcesses.push(entry);
  }
  if (sections.has('sshd-T')) facts.sshd = sshdFromDashT(sections.get('sshd-T')!);
  else if (files.length > 0) facts.sshd = sshdFromFiles(files);
  else if (flags.has('sshd-missing')) facts.sshd = unknownSshd('there is no sshd binary on the PATH there');
  else if (flags.has('sshd_config-unreadable')) facts.sshd = unknownSshd('sshd -T needs root there, and /etc/ssh/sshd_config is not readable');
  else facts.sshd = unknownSshd('sshd -T printed nothing and there is no /etc/ssh/sshd_config');
  return facts;
}

// ---------------------------------------------------------------------------------------
// Where the gateway listens.

export type Exposure = 'loopback' | 'all-interfaces' | 'address' | 'not-listening' | 'unknown';

export interface GatewayLocation {
  port: number;
  /** How the port was found: "socket of pid 4242 openclaw-gatewa", "--port flag of pid 4242", "default, no gateway process or socket seen there". */
  portSource: string;
  /** Was a gateway process or socket seen at all? */
  found: boolean;
  /** The addresses listening on the port, as ss prints them: "127.0.0.1", "::1", "0.0.0.0", "::". */
  binds: string[];
  exposure: Exposure;
  /** The address the tunnel forwards to, as the ssh server connects to it. */
  forwardHost: string;
}

const GATEWAY_COMM = /^(openclaw|clawdbot|moltbot)-gatewa/i;
const PRODUCT_COMM = /^(openclaw|clawdbot|moltbot)$/i;

function isWildcard(s: ParsedSsLine): boolean {
  return s.address === '0.0.0.0' || s.address === '::';
}

/**
 * The gateway's port: the lowest TCP port its own process listens on (the others are the
 * browser control port +2 and the like), found by the socket's owner: a pid `ps` showed as
 * a gateway, or the renamed process ("openclaw-gateway", 15 characters: "openclaw-gatewa").
 * Without a visible owner (not root there): a --port flag, else the default 18789. Its bind:
 * the addresses listening on that port.
 */
export function locateGateway(facts: RemoteFacts): GatewayLocation {
  const pids = new Set(facts.gatewayProcesses.map((p) => p.pid));
  const sockets = facts.sockets ?? [];
  const owned = sockets.filter(
    (s) =>
      (s.pid !== undefined && pids.has(s.pid)) ||
      (s.process !== undefined && (GATEWAY_COMM.test(s.process) || (pids.size === 0 && PRODUCT_COMM.test(s.process)))),
  );
  const flagged = facts.gatewayProcesses.find((p) => p.portFlag !== undefined);
  let port: number;
  let portSource: string;
  const found = owned.length > 0 || facts.gatewayProcesses.length > 0;
  if (owned.length > 0) {
    const ports = owned.map((s) => s.port);
    port = flagged && ports.includes(flagged.portFlag!) ? flagged.portFlag! : Math.min(...ports);
    const owner = owned.find((s) => s.port === port)!;
    portSource = `socket of pid ${owner.pid ?? '?'}${owner.process ? ` ${owner.process}` : ''}`;
  } else if (flagged) {
    port = flagged.portFlag!;
    portSource = `--port flag of pid ${flagged.pid}`;
  } else {
    port = DEFAULT_GATEWAY_PORT;
    const why =
      facts.sockets === undefined
        ? 'ss is missing or failed there'
        : facts.gatewayProcesses.length > 0
          ? `${facts.gatewayProcesses.length === 1 ? 'pid' : 'pids'} ${facts.gatewayProcesses.map((p) => p.pid).join(', ')} ${facts.gatewayProcesses.length === 1 ? 'runs' : 'run'} the gateway, but its sockets are not visible${facts.uid !== 0 ? ' without root' : ''}`
          : 'no gateway process or socket seen there';
    portSource = `default, ${why}`;
  }
  const listening = sockets.filter((s) => s.port === port);
  const binds = [...new Set(listening.map((s) => s.address))];
  let exposure: Exposure;
  if (facts.sockets === undefined) exposure = 'unknown';
  else if (listening.length === 0) exposure = 'not-listening';
  else if (listening.some(isWildcard)) exposure = 'all-interfaces';
  else if (listening.every((s) => isLoopback(s.address))) exposure = 'loopback';
  else exposure = 'address';
  return { port, portSource, found, binds, exposure, forwardHost: forwardHostFor(listening) };
}

/** 127.0.0.1 wherever IPv4 loopback reaches the gateway (0.0.0.0, dual-stack "::" too); else ::1; else its one address. */
function forwardHostFor(listening: ParsedSsLine[]): string {
  if (listening.length === 0) return '127.0.0.1';
  if (listening.some((s) => s.address === '127.0.0.1' || s.address === '0.0.0.0' || (s.address === '::' && s.v6only === false))) return '127.0.0.1';
  if (listening.some((s) => s.address === '::1' || s.address === '::')) return '::1';
  return (listening.find((s) => isLoopback(s.address)) ?? listening[0]!).address;
}

// ---------------------------------------------------------------------------------------
// What sshd allows.

export type Verdict = 'allowed' | 'refused' | 'unknown';

export interface SshdCheck {
  forwarding: Verdict;
  /** "AllowTcpForwarding no (sshd -T)", "not checked: sshd -T needs root there, …". */
  forwardingReason: string;
  keyLogin: Verdict;
  keyLoginReason: string;
}

function permitOpenMatches(entry: string, host: string, port: number): boolean {
  const m = /^(\[[^\]]+\]|[^:]+):(\S+)$/.exec(entry);
  if (!m) return false;
  const entryHost = m[1]!.replace(/^\[|\]$/g, '');
  // sshd compares the requested host as a string (no resolution): "localhost" is not 127.0.0.1.
  return (entryHost === '*' || entryHost === host.toLowerCase()) && (m[2] === '*' || m[2] === String(port));
}

/**
 * Whether `ssh -L` to host:port will be let through. The login itself already worked without
 * a prompt (BatchMode), so key login is known to work; PubkeyAuthentication is reported too.
 */
export function checkSshd(sshd: SshdFacts, host: string, port: number): SshdCheck {
  const from = sshd.source === 'sshd_config' ? `sshd_config${sshd.matchBlocks ? '; Match blocks there not evaluated without root' : ''}` : sshd.source;
  if (sshd.source === 'unknown') {
    const reason = `not checked: ${sshd.why}`;
    return { forwarding: 'unknown', forwardingReason: reason, keyLogin: 'allowed', keyLoginReason: 'the login worked without a prompt' };
  }
  let forwarding: Verdict = 'allowed';
  let forwardingReason = `AllowTcpForwarding ${sshd.allowTcpForwarding}, PermitOpen ${sshd.permitOpen.join(' ')} (${from})`;
  if (sshd.disableForwarding === 'yes') {
    forwarding = 'refused';
    forwardingReason = `DisableForwarding yes (${from})`;
  } else if (sshd.allowTcpForwarding === 'no' || sshd.allowTcpForwarding === 'remote') {
    forwarding = 'refused';
    forwardingReason = `AllowTcpForwarding ${sshd.allowTcpForwarding} (${from})`;
  } else if (!sshd.permitOpen.includes('any')) {
    const target = hostPort(host, port);
    if (sshd.permitOpen.includes('none') || !sshd.permitOpen.some((e) => permitOpenMatches(e, host, port))) {
      forwarding = 'refused';
      forwardingReason = `PermitOpen ${sshd.permitOpen.join(' ')} does not include ${target} (${from})`;
    }
  }
  const keyLogin: Verdict = sshd.pubkeyAuthentication === 'no' ? 'refused' : 'allowed';
  const keyLoginReason =
    keyLogin === 'allowed'
      ? `PubkeyAuthentication ${sshd.pubkeyAuthentication} (${from})`
      : `PubkeyAuthentication no (${from}), yet the login worked without a prompt`;
  return { forwarding, forwardingReason, keyLogin, keyLoginReason };
}

// ---------------------------------------------------------------------------------------
// Running it.

/**
 * Log in once and read the facts. A failure is one line naming what was not checked and why;
 * the control master is closed and its directory removed whatever happens.
 */
export async function collectRemoteFacts(o: SshOptions, features: SshFeatures, timeoutMs = 40_000): Promise<RemoteFacts> {
  const controlDir = mkdtempSync(join(tmpdir(), 'clawmoat-tunnel-'));
  const args = collectArgs(o, join(controlDir, 'cm'), features);
  const notChecked = `${o.destination.text}: the gateway's port and bind and sshd's settings were not checked`;
  try {
    const run = await runSsh([...args, 'sh', '-s'], REMOTE_FACTS_SCRIPT, timeoutMs);
    try {
      return parseRemoteFacts(run.stdout);
    } catch {
      if (run.code === 0 || run.code === 127)
        throw new UserError(
          `${notChecked}: the remote shell did not run the check (is there a POSIX sh?)${run.stderr.trim() ? `: ${run.stderr.trim().split('\n').pop()}` : ''}`,
        );
      throw new UserError(`${notChecked}: ${explainSshFailure(run.code, run.stderr, o.destination.text)}`);
    }
  } finally {
    await runSsh(['-O', 'exit', ...args], '', 5_000).catch(() => undefined);
    rmSync(controlDir, { recursive: true, force: true });
  }
}
