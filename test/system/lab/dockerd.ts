import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, findBinary, labPath } from '../../support/binaries.js';
import { hold, release, removeSync, tempDir, type Resource, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import { run, spawnDaemon, stopPid, waitFor, type Daemon, type RunOptions, type RunResult } from './proc.js';

/** The image every lab container runs: busybox-static and nothing else (there is no registry). */
export const BUSYBOX_IMAGE = 'bb:local';

/**
 * `ip netns exec` remounts /sys and hides the cgroup mounts dockerd needs, so dockerd
 * enters only the network namespace (nsenter --net). It does get a private mount
 * namespace, with a fresh /run and an empty /etc/docker: Docker 20.10 would otherwise
 * use a system containerd socket found in /run/containerd, and write
 * /etc/docker/key.json, /run/docker and /run/containerd on the host. Its own mounts
 * (data root, container namespaces) die with that mount namespace.
 */
const SCRIPT = [
  'set -e',
  'mount -t tmpfs -o mode=0755 clawmoat-lab /run',
  'if [ -d /etc/docker ]; then mount -t tmpfs -o mode=0755 clawmoat-lab /etc/docker; fi',
  'exec "$@"',
].join('\n');

export class Dockerd {
  private readonly resources: Resource[] = [];
  private stopped = false;

  private constructor(
    readonly ns: Netns,
    readonly dir: string,
    private readonly daemon: Daemon,
  ) {}

  /** The DOCKER_HOST that reaches this daemon. */
  get host(): string {
    return `unix://${join(this.dir, 'docker.sock')}`;
  }

  /**
   * `userlandProxy: false` is dockerd's `"userland-proxy": false`: no docker-proxy listens on a
   * published port, dockerd's DNAT alone carries clients to the container.
   */
  static async start(scope: Scope, ns: Netns, options: { userlandProxy?: boolean } = {}): Promise<Dockerd> {
    const dir = tempDir(scope, 'docker');
    const execRoot = join(dir, 'exec');
    writeFileSync(join(dir, 'daemon.json'), options.userlandProxy === false ? '{ "userland-proxy": false }\n' : '{}\n');
    const args = [
      `--net=${ns.path}`,
      binary('unshare'),
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      SCRIPT,
      'sh',
      binary('dockerd'),
      '--config-file',
      join(dir, 'daemon.json'),
      '--data-root',
      join(dir, 'root'),
      '--exec-root',
      execRoot,
      '--pidfile',
      join(dir, 'docker.pid'),
      '-H',
      `unix://${join(dir, 'docker.sock')}`,
      // vfs works on any filesystem, including the overlay a CI runner may already sit on.
      '--storage-driver',
      'vfs',
    ];
    // Containerd shims outlive a killed dockerd; they are found again by the exec root in their cmdline.
    const shims: Resource = { kind: 'processes-mentioning', marker: execRoot, label: 'containerd shims' };
    hold(shims);
    const daemon = spawnDaemon(binary('nsenter'), args, { env: { PATH: labPath() }, logFile: join(dir, 'dockerd.log') });
    const proc: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label: 'dockerd' };
    hold(proc);
    const dockerd = new Dockerd(ns, dir, daemon);
    dockerd.resources.push(shims, proc);
    scope.defer('dockerd', () => dockerd.stop());
    await waitFor(
      async () => {
        const version = await dockerd.docker(['version', '--format', '{{.Server.Version}}'], { allowFail: true, timeoutMs: 5_000 });
        return version.code === 0 ? version.stdout.trim() : undefined;
      },
      {
        what: `dockerd in ${ns.name}`,
        timeoutMs: 60_000,
        intervalMs: 100,
        abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
      },
    );
    return dockerd;
  }

  /** Run the docker CLI against this daemon (the docker.io client when present: it matches the daemon). */
  docker(args: string[], options: RunOptions = {}): Promise<RunResult> {
    const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : binary('docker');
    const env = { PATH: labPath(), DOCKER_HOST: this.host, DOCKER_CONFIG: join(this.dir, 'client') };
    return run(client, args, { ...options, env });
  }

  /** Import `bb:local` from the host's static busybox. */
  async importBusybox(): Promise<void> {
    const root = join(this.dir, 'bb');
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(binary('busybox'), join(root, 'bin', 'busybox'));
    symlinkSync('busybox', join(root, 'bin', 'sh'));
    await run(binary('tar'), ['-C', root, '-cf', join(this.dir, 'bb.tar'), '.']);
    await this.docker(['import', join(this.dir, 'bb.tar'), BUSYBOX_IMAGE]);
  }

  /** A busybox httpd container on `port`, published as given (`-p` values); returns its id. */
  async runHttpd(name: string, publish: string[], options: { port?: number; network?: string } = {}): Promise<string> {
    const port = String(options.port ?? 18789);
    const args = ['run', '-d', '--name', name, ...(options.network ? ['--network', options.network] : []), ...publish.flatMap((p) => ['-p', p])];
    const { stdout } = await this.docker([...args, BUSYBOX_IMAGE, 'busybox', 'httpd', '-f', '-p', port]);
    return stdout.trim();
  }

  /** Remove every container (SIGKILL: busybox as PID 1 ignores SIGTERM, which costs 10 s each). */
  async removeAllContainers(): Promise<void> {
    const { stdout } = await this.docker(['ps', '-aq']);
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await this.docker(['rm', '-f', ...ids]);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.daemon.exited()) await this.removeAllContainers().catch(() => undefined);
    await stopPid(this.daemon.pid, this.daemon.startTime, 20_000);
    // Normally nothing is left; after a crash the shims are.
    for (const resource of [...this.resources].reverse()) {
      removeSync(resource);
      release(resource);
    }
  }
}
