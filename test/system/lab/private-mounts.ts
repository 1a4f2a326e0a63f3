import { appendFileSync, cpSync, copyFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { binary, labPath } from '../../support/binaries.js';
import { tempDir, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import { spawnDaemon, run, type Daemon, type RunOptions, type RunResult } from './proc.js';

/**
 * UFW keeps its state in /etc/ufw and /etc/default/ufw, and sshd (and `sshd -T`) read
 * /etc/ssh/sshd_config: files shared by every network namespace. Commands run through
 * here get a private mount namespace in which those paths are bind mounts of private
 * copies, so a test can enable UFW or rewrite sshd_config without touching the host's.
 *
 * /run is a fresh tmpfs there too: ufw's lock, sshd's privilege-separation directory
 * and anything else a daemon drops in /run stay out of the host's /run. Only /run/netns
 * is carried into it.
 */

const SCRIPT = [
  'set -e',
  // Named network namespaces live in /run/netns: carried over, so `probe --netns` still finds them.
  'stash=$1; shift',
  'netns=no; if [ -d /run/netns ]; then mkdir -p "$stash"; mount --rbind /run/netns "$stash"; netns=yes; fi',
  'mount -t tmpfs -o mode=0755 clawmoat-lab /run',
  'mkdir -m 0755 /run/sshd',
  'if [ "$netns" = yes ]; then mkdir /run/netns; mount --move "$stash" /run/netns; fi',
  'n=$1; shift',
  // A target under /run is made first: /run is the fresh tmpfs above, nothing of the host's.
  'while [ "$n" -gt 0 ]; do case $2 in /run/*) mkdir -p "$2" ;; esac; mount --bind "$1" "$2"; shift 2; n=$((n - 1)); done',
  'exec "$@"',
].join('\n');

interface BindMount {
  source: string;
  target: string;
}

export class PrivateEtc {
  private constructor(
    readonly dir: string,
    private readonly mounts: BindMount[],
    /** The user's home directory when `home` replaced it (see create). */
    readonly home?: string,
  ) {}

  /**
   * Private copies of whichever of the files exist on this host (a host without ufw has nothing to hide).
   * `home` is mounted over this user's home directory from the passwd entry: ssh finds
   * ~/.ssh/config and its keys there, and ignores $HOME. `files` are more private copies, made
   * from the host's file with `append` added (e.g. a user of its own in /etc/passwd). `binds` are
   * directories of the test's mounted over the host's (a target under /run is made in the private /run).
   */
  static create(
    scope: Scope,
    options: { home?: string; files?: { target: string; append: string }[]; binds?: { source: string; target: string }[] } = {},
  ): PrivateEtc {
    const dir = tempDir(scope, 'etc');
    const mounts: BindMount[] = [];
    const home = options.home ? userInfo().homedir : undefined;
    if (options.home && home) mounts.push({ source: options.home, target: home });
    if (existsSync('/etc/ufw')) {
      cpSync('/etc/ufw', join(dir, 'etc-ufw'), { recursive: true, preserveTimestamps: true });
      mounts.push({ source: join(dir, 'etc-ufw'), target: '/etc/ufw' });
    }
    if (existsSync('/etc/default/ufw')) {
      copyFileSync('/etc/default/ufw', join(dir, 'default-ufw'));
      mounts.push({ source: join(dir, 'default-ufw'), target: '/etc/default/ufw' });
    }
    if (existsSync('/etc/ssh/sshd_config')) {
      copyFileSync('/etc/ssh/sshd_config', join(dir, 'sshd_config'));
      mounts.push({ source: join(dir, 'sshd_config'), target: '/etc/ssh/sshd_config' });
    }
    for (const [i, f] of (options.files ?? []).entries()) {
      const copy = join(dir, `file-${i}`);
      copyFileSync(f.target, copy);
      appendFileSync(copy, f.append);
      mounts.push({ source: copy, target: f.target });
    }
    mounts.push(...(options.binds ?? []));
    return new PrivateEtc(dir, mounts, home);
  }

  /** The private copy that stands for a host path, e.g. '/etc/ssh/sshd_config'. */
  copyOf(target: string): string {
    const mount = this.mounts.find((m) => m.target === target);
    if (!mount) throw new Error(`${target} does not exist on this host, so the lab has no private copy of it`);
    return mount.source;
  }

  /** The argv that runs `command` inside `ns` with the private mounts in place. */
  argv(ns: Netns, command: string, args: string[]): [string, string[]] {
    const pairs = this.mounts.flatMap((m) => [m.source, m.target]);
    return ns.argv(binary('unshare'), [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      SCRIPT,
      'sh',
      join(this.dir, 'netns-stash'),
      String(this.mounts.length),
      ...pairs,
      command,
      ...args,
    ]);
  }

  exec(ns: Netns, command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const [cmd, argv] = this.argv(ns, command, args);
    return run(cmd, argv, { ...options, env: options.env ?? { ...process.env, PATH: labPath() } });
  }

  /**
   * Start a daemon in `ns` with the private mounts. `ip netns exec`, `unshare` and `sh`
   * all exec the next program, so the PID returned is the daemon's own.
   */
  spawn(ns: Netns, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; logFile: string }): Daemon {
    const [cmd, argv] = this.argv(ns, command, args);
    return spawnDaemon(cmd, argv, { env: options.env ?? { ...process.env, PATH: labPath() }, logFile: options.logFile });
  }
}
