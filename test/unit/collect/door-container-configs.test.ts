import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { createTar } from 'nanotar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerProxyDoors } from '../../../src/collect/doors/containers.js';
import { containerFromInspect, networkFromInspect } from '../../../src/collect/docker.js';
import { withHost } from '../../../src/collect/host.js';
import { replayHost } from '../../../src/collect/script/replay.js';
import { buildContext } from '../../../src/model/context.js';
import type { DockerContainer, DockerState } from '../../../src/snapshot/types.js';
import { findBinary } from '../../support/binaries.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withContainers,
  withDoors,
  withGatewayProcess,
  withInterface,
  withSockets,
} from '../../fixtures/builders/snapshot.js';

/**
 * nginx, Caddy and HAProxy containers whose config is a file: read on the host through the
 * container's mounts. The container JSON is the Engine API's, captured from a real dockerd
 * (test/system/doors-container-nginx.test.ts sets the same containers up), with the compose
 * directory written @COMPOSE@; the config files are written here, per case.
 */

const isRoot = process.getuid?.() === 0;
const HOSTILE = 12345;
const FIXTURES = join(import.meta.dirname, '../../fixtures/docker-engine');
/** docker-proxy of edge's published 8443 (v4 and v6), and of caddy's 127.0.0.1:8080, as ps showed them. */
const PROCESSES = new Map<number, string[]>([
  [8178, ['/usr/sbin/docker-proxy', '-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '8443', '-container-ip', '172.18.0.3', '-container-port', '8443']],
  [8184, ['/usr/sbin/docker-proxy', '-proto', 'tcp', '-host-ip', '::', '-host-port', '8443', '-container-ip', '172.18.0.3', '-container-port', '8443']],
  [8289, ['/usr/sbin/docker-proxy', '-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', '8080', '-container-ip', '172.17.0.2', '-container-port', '8080']],
]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-compose-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function inspected(name: string): DockerContainer {
  const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8')
    .split('@COMPOSE@')
    .join(dir);
  return containerFromInspect((JSON.parse(text) as object[])[0]!);
}

/**
 * The Engine API's archive endpoint for an image's files, as dockerd answers it: HEAD gives the
 * path's stat (a symlink's linkTarget resolved in the container), GET a tar of the file or the
 * directory. The system test reads a real image through the real dockerd.
 */
async function engine(files: Record<string, string | { link: string } | 'dir'>): Promise<{ socket: string; server: Server }> {
  const socket = join(dir, '..', `${dir.split('/').pop()}.sock`);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '', 'http://docker').searchParams.get('path') ?? '';
    const entry = files[path];
    if (entry === undefined) return res.writeHead(404).end('{"message":"Could not find the file in container"}');
    const link = typeof entry === 'object' ? entry.link : '';
    const mode = entry === 'dir' ? 2 ** 31 + 0o755 : link ? 2 ** 27 + 0o777 : 0o644;
    const stat = Buffer.from(JSON.stringify({ name: path.split('/').pop(), size: 0, mode, mtime: '', linkTarget: link })).toString('base64');
    res.setHeader('X-Docker-Container-Path-Stat', stat);
    if (req.method === 'HEAD') return res.writeHead(200).end();
    const base = path.split('/').pop()!;
    const tar =
      entry === 'dir'
        ? createTar([
            { name: `${base}/` },
            ...Object.entries(files)
              .filter(([p, v]) => p.startsWith(`${path}/`) && typeof v === 'string' && v !== 'dir')
              .map(([p, v]) => ({ name: `${base}/${p.slice(path.length + 1)}`, data: v as string })),
          ])
        : createTar([{ name: base, data: entry as string }]);
    res.writeHead(200, { 'Content-Type': 'application/x-tar' }).end(Buffer.from(tar));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, server };
}

function docker(...containers: DockerContainer[]): DockerState {
  const networks = (JSON.parse(readFileSync(join(FIXTURES, 'networks.json'), 'utf8')) as object[]).map(networkFromInspect);
  return {
    endpoint: '/var/run/docker.sock',
    version: { version: '20.10.24', apiVersion: '1.41' },
    daemonConfig: { status: 'unavailable', reason: 'not-found', detail: '/etc/docker/daemon.json does not exist' },
    containers: [inspected('openclaw'), ...containers],
    networks,
  };
}

function write(path: string, lines: string[]): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), `${lines.join('\n')}\n`);
}

const NGINX_CONF = ['events {}', 'http {', '  include /etc/nginx/conf.d/*.conf;', '}'];
const SERVER = ['server {', '  listen 8443;', '  location / {', '    proxy_pass http://openclaw:18789;', '  }', '}'];

describe('an nginx container with its config bind-mounted from the compose directory', () => {
  it('nginx.conf and a conf.d directory mount: the published port leads to the gateway container on their network', async () => {
    write('nginx.conf', NGINX_CONF);
    write('conf.d/openclaw.conf', SERVER);
    const state = await containerProxyDoors(docker(inspected('edge')), PROCESSES);
    expect(state.problems).toEqual([]);
    expect(state.doors).toEqual([
      expect.objectContaining({
        kind: 'nginx',
        publishedBy: 'edge',
        container: 'openclaw',
        listen: [
          { address: '0.0.0.0', port: 8443 },
          { address: '::', port: 8443 },
        ],
        upstream: { host: '172.18.0.2', port: 18789 },
        via: 'proxy_pass http://openclaw:18789 (in container edge)',
        location: { file: join(dir, 'conf.d/openclaw.conf'), line: 4 },
      }),
    ]);
    expect(state.read).toEqual([`nginx config of container edge from ${join(dir, 'nginx.conf')}`]);
  });

  it('the door is the row of the published port: the gateway container behind it is open from the internet', async () => {
    write('nginx.conf', ['events {}', 'http {', ...SERVER.map((l) => `  ${l}`), '}']);
    const state = await containerProxyDoors(docker(inspected('edge')), PROCESSES);
    const d = docker(inspected('edge'));
    const snapshot = compose(
      withGatewayProcess(8, ['openclaw-gateway']),
      withContainers(...d.containers),
      withSockets(tcpListener('0.0.0.0', 8443, 8178, 'docker-proxy')),
      withDoors(state.doors),
    )(baselineSnapshot());
    const cell = buildContext(snapshot)
      .reach()
      .cells.find((c) => c.listener.port === 8443 && c.zone.kind === 'internet');
    expect(cell?.listener).toMatchObject({ gateway: true, door: { kind: 'nginx' } });
    expect(cell?.verdict).toBe('open');
    expect(cell?.path.map((s) => s.text).join('\n')).toContain("the gateway's port in container openclaw");
  });

  it('nginx.conf and mime.types baked into the image, only conf.d mounted: read through the Engine API, the door found', async () => {
    write('conf.d/openclaw.conf', SERVER);
    const edge = inspected('edge');
    edge.mounts = edge.mounts.filter((m) => m.destination !== '/etc/nginx/nginx.conf');
    const { socket, server } = await engine({
      '/etc/nginx/nginx.conf': { link: '/etc/nginx/image/nginx.conf' },
      '/etc/nginx/image/nginx.conf': ['events {}', 'http {', '  include mime.types;', '  include /etc/nginx/conf.d/*.conf;', '}'].join('\n'),
      '/etc/nginx/mime.types': 'types { text/html html; }\n',
    });
    try {
      const state = await containerProxyDoors({ ...docker(edge), endpoint: socket }, PROCESSES);
      expect(state.problems).toEqual([]);
      expect(state.doors).toEqual([
        expect.objectContaining({ kind: 'nginx', container: 'openclaw', publishedBy: 'edge', location: { file: join(dir, 'conf.d/openclaw.conf'), line: 4 } }),
      ]);
      expect(state.read).toEqual(['nginx config of container edge from edge:/etc/nginx/nginx.conf']);
    } finally {
      server.close();
    }
  });

  it('a config baked into the image that cannot be read (the daemon gone): a problem naming the container and the path, and the row is unknown', async () => {
    write('conf.d/openclaw.conf', SERVER);
    const edge = inspected('edge');
    edge.mounts = edge.mounts.filter((m) => m.destination !== '/etc/nginx/nginx.conf');
    const state = await containerProxyDoors({ ...docker(edge), endpoint: join(dir, 'gone.sock') }, PROCESSES);
    expect(state.doors).toEqual([]);
    expect(state.problems.map((p) => p.pid)).toEqual([8178, 8184]);
    expect(state.problems[0]).toMatchObject({
      kind: 'nginx',
      source: '/etc/nginx/nginx.conf',
      detail: expect.stringContaining(
        'container edge: nginx runs with /etc/nginx/nginx.conf, which could not be read: /etc/nginx/nginx.conf in the filesystem of container edge',
      ),
    });
    const snapshot = compose(
      withGatewayProcess(8, ['openclaw-gateway']),
      withSockets(tcpListener('0.0.0.0', 8443, 8178, 'docker-proxy')),
      withDoors(state.doors, state.problems),
    )(baselineSnapshot());
    const cell = buildContext(snapshot)
      .reach()
      .cells.find((c) => c.listener.port === 8443 && c.zone.kind === 'internet');
    expect(cell?.verdict).toBe('unknown');
    expect(cell?.reason).toContain('/etc/nginx/nginx.conf in the filesystem of container edge');
  });

  it('an include of a directory of the image that cannot be listed: a problem with the file and line; one that does not exist matches nothing', async () => {
    write('nginx.conf', ['events {}', 'http {', '  include /etc/nginx/sites-enabled/*;', ...SERVER.map((l) => `  ${l}`), '}']);
    const state = await containerProxyDoors({ ...docker(inspected('edge')), endpoint: join(dir, 'gone.sock') }, PROCESSES);
    expect(state.doors).toHaveLength(1);
    expect(state.problems).toEqual([
      expect.objectContaining({
        source: join(dir, 'nginx.conf'),
        line: 3,
        detail: expect.stringContaining('/etc/nginx/sites-enabled in the filesystem of container edge could not be listed'),
      }),
      expect.objectContaining({ pid: 8184 }),
    ]);
    const { socket, server } = await engine({});
    try {
      expect(await containerProxyDoors({ ...docker(inspected('edge')), endpoint: socket }, PROCESSES)).toMatchObject({
        problems: [],
        doors: [expect.anything()],
      });
    } finally {
      server.close();
    }
  });

  it('proxy_pass to host.docker.internal (extra_hosts host-gateway) is this host: a gateway on the host is recognised', async () => {
    write('nginx.conf', [
      'events {}',
      'http {',
      '  server {',
      '    listen 8443;',
      '    location / { proxy_pass http://host.docker.internal:18789; }',
      '  }',
      '}',
    ]);
    const edge = { ...inspected('edge'), extraHosts: ['host.docker.internal:host-gateway'] };
    const d = docker(edge);
    const [door] = (await containerProxyDoors(d, PROCESSES)).doors;
    // dockerd 20.10 does not show the default bridge's gateway: the container's network gateway, also this host's.
    expect(door).toMatchObject({ upstream: { host: '172.18.0.1', port: 18789 } });
    expect(door!.container).toBeUndefined();
    // host-gateway-ip of daemon.json, when set, is what Docker writes into /etc/hosts.
    const configured = { ...d, daemonConfig: { status: 'ok' as const, data: { 'host-gateway-ip': '192.0.2.10' } } };
    expect((await containerProxyDoors(configured, PROCESSES)).doors[0]).toMatchObject({ upstream: { host: '192.0.2.10', port: 18789 } });

    const snapshot = compose(
      withGatewayProcess(8, ['openclaw-gateway']),
      withSockets(tcpListener('0.0.0.0', 18789, 8, 'openclaw-gateway'), tcpListener('0.0.0.0', 8443, 8178, 'docker-proxy')),
      withInterface('br-openclaw', '172.18.0.1', 16),
      withDoors([door!]),
    )(baselineSnapshot());
    const cell = buildContext(snapshot)
      .reach()
      .cells.find((c) => c.listener.port === 8443 && c.zone.kind === 'internet');
    expect(cell?.listener).toMatchObject({ gateway: true, door: { kind: 'nginx' } });
    expect(cell?.path.map((s) => s.text).join('\n')).toContain('where the gateway (0.0.0.0:18789, pid 8) takes it');
  });

  it('proxy_pass to a compose service name: the gateway container by its network alias (compose names it stack-openclaw-1)', async () => {
    write('nginx.conf', NGINX_CONF);
    write('conf.d/openclaw.conf', SERVER);
    const d = docker(inspected('edge'));
    const gateway = d.containers[0]!;
    gateway.name = 'stack-openclaw-1';
    gateway.networks = gateway.networks.map((n) => ({ ...n, aliases: ['openclaw', '637f2f37d1f7'] }));
    const [door] = (await containerProxyDoors(d, PROCESSES)).doors;
    expect(door).toMatchObject({ container: 'stack-openclaw-1', upstream: { host: '172.18.0.2', port: 18789 } });
  });

  it("proxy_pass to the network's gateway address is this host; a listen on the container's loopback is not published", async () => {
    write('nginx.conf', ['events {}', 'http {', '  server {', '    listen 8443;', '    location / { proxy_pass http://172.18.0.1:18789; }', '  }', '}']);
    const [door] = (await containerProxyDoors(docker(inspected('edge')), PROCESSES)).doors;
    expect(door).toMatchObject({ upstream: { host: '172.18.0.1', port: 18789 }, listen: [{ port: 8443 }, { port: 8443 }] });
    expect(door!.container).toBeUndefined();
    write('nginx.conf', [
      'events {}',
      'http {',
      '  server {',
      '    listen 127.0.0.1:8443;',
      '    location / { proxy_pass http://openclaw:18789; }',
      '  }',
      '}',
    ]);
    expect((await containerProxyDoors(docker(inspected('edge')), PROCESSES)).doors).toEqual([]);
  });

  it('proxy_pass to localhost is the container itself, not this host', async () => {
    write('nginx.conf', ['events {}', 'http {', '  server {', '    listen 8443;', '    location / { proxy_pass http://127.0.0.1:18789; }', '  }', '}']);
    const [door] = (await containerProxyDoors(docker(inspected('edge')), PROCESSES)).doors;
    expect(door).toMatchObject({ container: 'edge', upstream: { host: '172.18.0.3', port: 18789 } });
  });

  it.runIf(isRoot)("as root: a symlink in the user's compose directory to a root-only file is refused, and nothing of it is shown", async () => {
    writeFileSync(join(dir, '..', `${dir.split('/').pop()}-shadow`), 'root:secret-hash:');
    const shadow = join(dir, '..', `${dir.split('/').pop()}-shadow`);
    chmodSync(shadow, 0o600);
    try {
      symlinkSync(shadow, join(dir, 'nginx.conf'));
      write('conf.d/openclaw.conf', SERVER);
      chownSync(dir, HOSTILE, HOSTILE);
      const state = await containerProxyDoors(docker(inspected('edge')), PROCESSES);
      expect(state.doors).toEqual([]);
      expect(state.problems[0]).toMatchObject({ kind: 'nginx', pid: 8178, detail: expect.stringContaining(`is not readable by uid ${HOSTILE}`) });
      expect(state.problems[0]!.detail).toContain('container edge');
      expect(JSON.stringify(state)).not.toContain('secret-hash');
    } finally {
      rmSync(shadow, { force: true });
    }
  });

  it('a symlink inside a mounted directory that leads out of it is not followed on the host (in the container it resolves elsewhere)', async () => {
    write('nginx.conf', NGINX_CONF);
    write('elsewhere.conf', SERVER);
    mkdirSync(join(dir, 'conf.d'));
    symlinkSync(join(dir, 'elsewhere.conf'), join(dir, 'conf.d', 'openclaw.conf'));
    const state = await containerProxyDoors(docker(inspected('edge')), PROCESSES);
    expect(state.doors).toEqual([]);
    expect(state.problems[0]).toMatchObject({ detail: expect.stringContaining('is a symbolic link out of the mounted') });
  });
});

describe('Caddy and HAProxy containers', () => {
  it.runIf(findBinary('caddy') !== undefined)(
    'a Caddyfile mount (adapted by the host caddy, needs caddy on PATH), reverse_proxy to host.docker.internal',
    async () => {
      write('caddy/Caddyfile', [':8080 {', '  reverse_proxy host.docker.internal:18789', '}']);
      const caddy = inspected('caddy');
      caddy.command = ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'];
      const state = await containerProxyDoors(docker(caddy), PROCESSES);
      expect(state.problems).toEqual([]);
      expect(state.doors).toEqual([
        expect.objectContaining({
          kind: 'caddy',
          publishedBy: 'caddy',
          listen: [{ address: '127.0.0.1', port: 8080 }],
          upstream: { host: '172.17.0.1', port: 18789 },
          forwardedFor: 'overwrite',
        }),
      ]);
    },
  );

  it('a Caddyfile that cannot be adapted names the host file, not caddy’s temporary copy', async () => {
    write('caddy/Caddyfile', [':8080 {', '  import /etc/caddy/snippets/auth.caddy', '}']);
    const caddy = inspected('caddy');
    caddy.command = ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'];
    const state = await containerProxyDoors(docker(caddy), PROCESSES);
    expect(state.doors).toEqual([]);
    expect(state.problems).toEqual([expect.objectContaining({ kind: 'caddy', pid: 8289, detail: expect.stringContaining('container caddy: the Caddyfile') })]);
    expect(state.problems[0]!.detail).not.toContain('clawmoat-caddy-');
  });

  it('an HAProxy container by its image, -f of the official image, the cfg mounted (HAProxy defaults to mode tcp)', async () => {
    write('haproxy.cfg', ['frontend fe', '  bind :8443', '  default_backend gw', 'backend gw', '  server openclaw openclaw:18789']);
    const edge = inspected('edge');
    const haproxy: DockerContainer = {
      ...edge,
      image: 'haproxy:2.9-alpine',
      command: ['docker-entrypoint.sh', 'haproxy', '-f', '/usr/local/etc/haproxy/haproxy.cfg'],
      mounts: [{ type: 'bind', source: join(dir, 'haproxy.cfg'), destination: '/usr/local/etc/haproxy/haproxy.cfg' }],
    };
    const state = await containerProxyDoors(docker(haproxy), PROCESSES);
    expect(state.problems).toEqual([]);
    expect(state.doors).toEqual([
      expect.objectContaining({ kind: 'haproxy', container: 'openclaw', upstream: { host: '172.18.0.2', port: 18789 }, layer: 'tcp', publishedBy: 'edge' }),
    ]);
  });
});

describe('from the collection script', () => {
  it('the script does not read container configs: the recording lacks the files, and the container is a problem (unknown), not nothing', async () => {
    const { host, missing } = replayHost([]);
    const state = await withHost(host, () => containerProxyDoors(docker(inspected('edge')), PROCESSES));
    expect(state.doors).toEqual([]);
    expect(state.problems[0]).toMatchObject({ kind: 'nginx', pid: 8178, detail: expect.stringContaining('was not read by the collection script') });
    expect(missing).toEqual([`read ${join(dir, 'nginx.conf')}`]);
    // A file of the image is not asked of a recording's Docker either.
    const edge = inspected('edge');
    edge.mounts = [];
    const baked = await withHost(host, () => containerProxyDoors(docker(edge), PROCESSES));
    expect(baked.problems[0]).toMatchObject({
      detail: expect.stringContaining('is in its own filesystem (its image, not a mount), which the collection script does not read'),
    });
  });
});
