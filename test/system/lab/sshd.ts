import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, labPath } from '../../support/binaries.js';
import { hold, release, tempDir, type Resource, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import type { PrivateEtc } from './private-mounts.js';
import { run, stopPid, waitFor, type Daemon } from './proc.js';

export interface SshdOptions {
  passwordAuthentication: boolean;
  port?: number;
  /** Public keys (authorized_keys lines) that may log in; none by default. */
  authorizedKeys?: string[];
  /** PubkeyAuthentication no: an sshd that only takes passwords. */
  pubkeyAuthentication?: boolean;
  /** GatewayPorts: whether a client's `ssh -R` may bind beyond this host's loopback (sshd's default is no). */
  gatewayPorts?: 'yes' | 'no' | 'clientspecified';
  /**
   * Start sshd with `-f FILE` (a config of its own in the lab's directory), as OpenSSH retitles the
   * listener "sshd: /usr/sbin/sshd -D -e -f FILE [listener] ...". The private /etc/ssh/sshd_config
   * then says the opposite PasswordAuthentication, so reading the wrong one shows.
   */
  configFlag?: boolean;
  /** Lines appended to the config (after everything else, so a `Match` block goes here). */
  extraConfig?: string[];
  /**
   * Users other than root log in too: sshd reads the key file with the user's rights, so it (and
   * the directory holding it) must be readable by them. The host key stays 0600.
   */
  otherUsers?: boolean;
}

/**
 * A real sshd in a namespace. Its config is written over the private copy of
 * /etc/ssh/sshd_config, so `sshd -T` run by clawmoat in the same private mounts sees
 * exactly what the daemon runs with. The host key is throwaway.
 */
export class Sshd {
  private daemon: Daemon | undefined;
  private resource: Resource | undefined;

  private constructor(
    private readonly ns: Netns,
    private readonly etc: PrivateEtc,
    private readonly dir: string,
    private options: SshdOptions,
  ) {}

  static async start(scope: Scope, ns: Netns, etc: PrivateEtc, options: SshdOptions): Promise<Sshd> {
    const dir = tempDir(scope, 'sshd');
    await run(binary('ssh-keygen'), ['-q', '-N', '', '-t', 'ed25519', '-C', 'clawmoat-lab', '-f', join(dir, 'ssh_host_ed25519_key')]);
    const sshd = new Sshd(ns, etc, dir, options);
    scope.defer('sshd', () => sshd.stop());
    await sshd.startDaemon();
    return sshd;
  }

  get port(): number {
    return this.options.port ?? 22;
  }

  /** The host key as a known_hosts line would end: "ssh-ed25519 AAAA…". */
  get hostKey(): string {
    return readFileSync(join(this.dir, 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  }

  /** Rewrite the config and restart, the way an admin would after editing sshd_config. */
  async restart(options: SshdOptions): Promise<void> {
    await this.stop();
    this.options = options;
    await this.startDaemon();
  }

  private writeConfig(): void {
    const keys = this.options.authorizedKeys ?? [];
    if (keys.length > 0) {
      writeFileSync(join(this.dir, 'authorized_keys'), `${keys.join('\n')}\n`, { mode: 0o600 });
      if (this.options.otherUsers) {
        chmodSync(join(this.dir, 'authorized_keys'), 0o644);
        chmodSync(this.dir, 0o755);
      }
    }
    const config = [
      '# Written by the clawmoat system-test lab.',
      `Port ${this.port}`,
      'ListenAddress 0.0.0.0',
      `HostKey ${join(this.dir, 'ssh_host_ed25519_key')}`,
      `PidFile ${join(this.dir, 'sshd.pid')}`,
      `PasswordAuthentication ${this.options.passwordAuthentication ? 'yes' : 'no'}`,
      ...(this.options.pubkeyAuthentication === false ? ['PubkeyAuthentication no'] : []),
      ...(this.options.gatewayPorts ? [`GatewayPorts ${this.options.gatewayPorts}`] : []),
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
      // The key file sits under the temp directory, whose parent (/tmp) is world-writable.
      ...(keys.length > 0 ? ['StrictModes no'] : []),
      'Subsystem sftp internal-sftp',
      ...(this.options.extraConfig ?? []),
      '',
    ].join('\n');
    if (!this.options.configFlag) {
      writeFileSync(this.etc.copyOf('/etc/ssh/sshd_config'), config);
      return;
    }
    writeFileSync(this.configFile, config);
    const opposite = this.options.passwordAuthentication ? 'no' : 'yes';
    writeFileSync(this.etc.copyOf('/etc/ssh/sshd_config'), config.replace(/^PasswordAuthentication .*$/m, `PasswordAuthentication ${opposite}`));
  }

  /** The config given with -f under `configFlag`. */
  get configFile(): string {
    return join(this.dir, 'sshd_config');
  }

  private async startDaemon(): Promise<void> {
    this.writeConfig();
    // sshd re-executes itself and so insists on an absolute path; -D keeps it in the foreground, its PID ours.
    const daemon = this.etc.spawn(this.ns, binary('sshd'), ['-D', '-e', ...(this.options.configFlag ? ['-f', this.configFile] : [])], {
      logFile: join(this.dir, 'sshd.log'),
    });
    this.daemon = daemon;
    this.resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'sshd' };
    hold(this.resource);
    await waitFor(
      async () => {
        const { stdout } = await this.ns.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${this.port}`], { env: { PATH: labPath() } });
        return stdout.trim() ? true : undefined;
      },
      { what: `sshd in ${this.ns.name}`, timeoutMs: 10_000, abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined) },
    );
  }

  async stop(): Promise<void> {
    if (!this.daemon || !this.resource) return;
    await stopPid(this.daemon.pid, this.daemon.startTime, 5_000);
    release(this.resource);
    this.daemon = undefined;
    this.resource = undefined;
  }
}
