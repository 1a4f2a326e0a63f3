/**
 * What a collector reads, as data: the collection script (generate.ts) is built from these, so a
 * host with only `sh` answers the same reads the collector makes in Node. The collector itself
 * then parses the script's recording (replay.ts): one collector, two transports.
 *
 * Static reads are plain lists. A read that depends on what another read found (a config named
 * by a running process's argv, the gateway's home) is a named round: a small piece of the script
 * that discovers what to read, never how to parse it.
 */

export interface ScriptCommand {
  argv: string[];
  /** The collector's own timeout; the script rounds it up to whole seconds. */
  timeoutMs?: number;
  /** Run only when this file is not empty (legacy iptables tables present). */
  ifNonEmpty?: string;
}

export type ScriptRound =
  /** processes: every pid's argv, and per-process reads for the patterns below. */
  | 'process-table'
  /** sshd: the -f of the first sshd in the script's network namespace, then `sshd -T [-f FILE]`. */
  | 'sshd-config'
  /** openclaw: the gateway's homes, state dirs, config candidates, .env files, units, installed version. */
  | 'openclaw'
  /** compose: the working directory's .env and the default compose files up its parents. */
  | 'compose'
  /** docker: the Engine API through `curl --unix-socket`, containers listed then inspected. */
  | 'docker'
  /** doors: `nginx -T` for each nginx master in the script's namespace, as its owner. */
  | 'nginx'
  /** doors: Caddy (and `caddy adapt` as its owner), HAProxy, Apache (includes followed) and tunnel configs from each process's argv. */
  | 'door-configs'
  /** doors: Traefik's static file, flags or environment, then its file provider's file or directory, as its owner could read them. */
  | 'traefik';

export interface ProcessReads {
  /** An extended regular expression over a process's argv (NULs as they are); a superset of what the collector picks. */
  pattern: string;
  ignoreCase?: boolean;
  reads: ('environ' | 'status' | 'cwd' | 'exe' | 'netns')[];
}

export interface ScriptReads {
  commands?: ScriptCommand[];
  /** Files read through the script's safe read (a /proc/net file with the shell's own read: short kernel tables only). */
  files?: string[];
  /** One-line kernel files, read with the shell's own `read`; `{iface}` is each interface. */
  kernelValues?: string[];
  /** Programs resolved on PATH plus the sbin directories. */
  which?: string[];
  /** Directories listed. */
  dirs?: string[];
  /** Files whose kind (file, directory, missing) is asked for. */
  stats?: string[];
  /** Variables of the script's own environment. */
  env?: string[];
  processes?: ProcessReads[];
  rounds?: ScriptRound[];
}
