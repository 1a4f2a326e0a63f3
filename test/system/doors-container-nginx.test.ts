import { chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell } from '../../src/model/reach.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { tempDir, Scope } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { BUSYBOX_IMAGE, Dockerd } from './lab/dockerd.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet } from './lab/probe.js';
import { startBusyboxHttpd } from './lab/servers.js';
import { run } from './lab/proc.js';

/**
 * An nginx container in front of a gateway container, for real, the way docker compose sets it
 * up: a real dockerd in the host namespace; a stand-in gateway on 18789 on the network
 * openclaw-net (busybox httpd, not published, named stack-openclaw-1 with its service name
 * openclaw as a network alias); the host's own nginx in a container on the same network,
 * published on the host as 8443, its nginx.conf and conf.d bind-mounted from a compose directory
 * that belongs to another user (nobody). clawmoat must read that config from the host through the
 * mounts and make the published port a door to the gateway, open from the internet, as a real
 * client there finds it. A second one, edge-baked on 9443, mounts only conf.d: its nginx.conf (and
 * the mime.types it includes) are the image's, read through dockerd's archive endpoint. A third,
 * edge-host on 7443 on the default bridge, proxies to host.docker.internal (extra_hosts
 * host-gateway), where a stand-in gateway listens on the host. The collection script's snapshot
 * of the same host, which has none of those files, is unknown on 8443 and 9443.
 *
 * There is no registry: the nginx image is the host's nginx binary and the libraries it links.
 */

const NGINX_IMAGE = 'nginx:local';
/** The stand-in gateway on the host, on the gateway's default port (the gateway container's is not published). */
const HOST_GATEWAY_PORT = 18789;
const NOBODY = 65534;

async function importNginx(dockerd: Dockerd, dir: string): Promise<void> {
  const root = join(dir, 'rootfs');
  const nginx = binary('nginx');
  const { stdout } = await run(binary('ldd'), [nginx]);
  const files = [nginx, ...[...stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!)];
  for (const file of new Set(files)) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  for (const d of ['etc/nginx/conf.d', 'var/log/nginx', 'var/lib/nginx', 'run', 'tmp', 'var/lock']) mkdirSync(join(root, d), { recursive: true });
  // The image's own config, as an image ships it: the compose file of edge-baked mounts only conf.d.
  writeFileSync(join(root, 'etc/nginx/mime.types'), 'types {\n  text/html html;\n}\n');
  writeFileSync(join(root, 'etc/nginx/nginx.conf'), NGINX_CONF.replace('http {', 'http {\n  include mime.types;').replace('error_log', '# image\nerror_log'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await run(binary('tar'), ['-C', root, '-cf', join(dir, 'nginx.tar'), '.']);
  await dockerd.docker(['import', join(dir, 'nginx.tar'), NGINX_IMAGE]);
}

const NGINX_CONF = [
  'user nobody nogroup;',
  'pid /run/nginx.pid;',
  'error_log stderr;',
  'events {}',
  'http {',
  '  access_log off;',
  '  include /etc/nginx/conf.d/*.conf;',
  '}',
  '',
].join('\n');

/** The compose directory of the gateway's user: nginx.conf includes conf.d, where the server block proxies to the gateway container. */
function composeDir(scope: Scope): string {
  const dir = tempDir(scope, 'compose');
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'nginx.conf'), NGINX_CONF);
  writeFileSync(
    join(dir, 'conf.d', 'openclaw.conf'),
    ['server {', '  listen 8443;', '  location / {', '    proxy_pass http://openclaw:18789;', '  }', '}', ''].join('\n'),
  );
  for (const p of [dir, join(dir, 'conf.d'), join(dir, 'nginx.conf'), join(dir, 'conf.d', 'openclaw.conf')]) chownSync(p, NOBODY, NOBODY);
  return dir;
}

const req = requires(
  'doors: an nginx container with its config bind-mounted, published on the host in front of a gateway container (real dockerd, real nginx; the collection script reads Docker through curl)',
  ['root', 'netns', 'netfilter', 'docker', 'nginx', 'curl'],
);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let lab: Wan;
  let cells: ReachCell[];
  /** The same host read by the collection script (which does not read containers' files), then modelled. */
  let scriptCells: ReachCell[];

  beforeAll(async () => {
    lab = await wan(scope);
    const dockerd = await Dockerd.start(scope, lab.gw);
    await dockerd.importBusybox();
    await importNginx(dockerd, tempDir(scope, 'nginx-image'));
    await dockerd.docker(['network', 'create', 'openclaw-net']);
    // Named as compose names it; nginx reaches it by the service name, a network alias.
    await dockerd.docker([
      'run',
      '-d',
      '--name',
      'stack-openclaw-1',
      '--network',
      'openclaw-net',
      '--network-alias',
      'openclaw',
      BUSYBOX_IMAGE,
      'busybox',
      'httpd',
      '-f',
      '-p',
      '18789',
    ]);
    const dir = composeDir(scope);
    await dockerd.docker([
      'run',
      '-d',
      '--name',
      'edge',
      '--network',
      'openclaw-net',
      '-p',
      '8443:8443',
      '-v',
      `${join(dir, 'nginx.conf')}:/etc/nginx/nginx.conf:ro`,
      '-v',
      `${join(dir, 'conf.d')}:/etc/nginx/conf.d:ro`,
      NGINX_IMAGE,
      binary('nginx'),
      '-g',
      'daemon off;',
    ]);
    // The same conf.d, with the image's own nginx.conf: read through the Engine API's archive endpoint.
    await dockerd.docker([
      'run',
      '-d',
      '--name',
      'edge-baked',
      '--network',
      'openclaw-net',
      '-p',
      '9443:8443',
      '-v',
      `${join(dir, 'conf.d')}:/etc/nginx/conf.d:ro`,
      NGINX_IMAGE,
      binary('nginx'),
      '-g',
      'daemon off;',
    ]);
    // A gateway on the host (a stand-in on 0.0.0.0:18789), reached from a container on the default
    // bridge as host.docker.internal, which extra_hosts maps to the host (host-gateway).
    await startBusyboxHttpd(scope, lab.gw, HOST_GATEWAY_PORT);
    mkdirSync(join(dir, 'to-host'));
    writeFileSync(
      join(dir, 'to-host', 'nginx.conf'),
      NGINX_CONF.replace(
        '  include /etc/nginx/conf.d/*.conf;',
        `  server {\n    listen 8443;\n    location / { proxy_pass http://host.docker.internal:${HOST_GATEWAY_PORT}; }\n  }`,
      ),
    );
    await dockerd.docker([
      'run',
      '-d',
      '--name',
      'edge-host',
      '--add-host',
      'host.docker.internal:host-gateway',
      '-p',
      '7443:8443',
      '-v',
      `${join(dir, 'to-host', 'nginx.conf')}:/etc/nginx/nginx.conf:ro`,
      NGINX_IMAGE,
      binary('nginx'),
      '-g',
      'daemon off;',
    ]);
    const etc = PrivateEtc.create(scope);
    const clawmoat = new Clawmoat(scope, lab.gw, etc, { dockerHost: dockerd.host });
    const result = await clawmoat.run(['reach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    cells = (JSON.parse(result.stdout) as { cells: ReachCell[] }).cells;

    const work = tempDir(scope, 'collect-script');
    const printed = await clawmoat.run(['collect', '--print-script']);
    expect(printed.code, printed.stderr).toBe(0);
    writeFileSync(join(work, 'collect.sh'), printed.stdout);
    const env = { PATH: labPath(), HOME: work, LANG: 'C.UTF-8', DOCKER_HOST: dockerd.host };
    const ran = await etc.exec(lab.gw, binary('sh'), ['-c', `exec sh < "${join(work, 'collect.sh')}" > "${join(work, 'out')}"`], { env, timeoutMs: 60_000 });
    expect(ran.code, ran.stderr).toBe(0);
    const parsed = await clawmoat.run(['collect', '--from', join(work, 'out'), '-o', join(work, 'snapshot.json')]);
    expect(parsed.code, parsed.stderr).toBe(0);
    const fromScript = await clawmoat.run(['reach', '--json', '--snapshot', join(work, 'snapshot.json')]);
    expect(fromScript.code, fromScript.stderr).toBe(0);
    scriptCells = (JSON.parse(fromScript.stdout) as { cells: ReachCell[] }).cells;
  }, 5 * 60_000);

  afterAll(() => scope.dispose());

  it.each([8443, 9443])('a client on the internet reaches the gateway container through the nginx container on %i', async (port) => {
    // busybox httpd with no index answers 404: the gateway stand-in, through nginx, not a refusal or a 502.
    const res = await httpGet(lab.client, `http://${lab.gwAddress}:${port}/`, 5_000);
    expect(res.status, JSON.stringify(res)).toBe(404);
  });

  it('a client on the internet reaches the gateway on the host through the nginx container on 7443', async () => {
    // The host's stand-in serves a page of its own: nginx in the container got to the host, not a 502.
    const res = await httpGet(lab.client, `http://${lab.gwAddress}:7443/`, 5_000);
    expect(res, JSON.stringify(res)).toMatchObject({ status: 200, body: expect.stringContaining('Some other service') });
  });

  it.each([
    [8443, 'edge'],
    [9443, 'edge-baked'],
  ])(
    "the published port %i is the door's row: nginx in container %s, proxy_pass from the bind-mounted conf.d, to the gateway container, open",
    (port, name) => {
      const internet = cells.filter((c) => c.listener.port === port && c.zone.kind === 'internet');
      expect(internet.length, cells.map((c) => `${c.listener.process} ${c.listener.address}:${c.listener.port}`).join('\n')).toBeGreaterThan(0);
      for (const cell of internet) {
        expect(cell.listener.gateway, JSON.stringify(cell.listener)).toBe(true);
        expect(cell.listener.door).toMatchObject({ kind: 'nginx', via: `proxy_pass http://openclaw:18789 (in container ${name})` });
        // The evidence names the file on the host, where the user can fix it.
        expect(cell.listener.door?.location?.file).toMatch(/compose-[^/]*\/conf\.d\/openclaw\.conf$/);
      }
      const open = internet.find((c) => c.verdict === 'open');
      expect(open, internet.map((c) => `${c.verdict}: ${c.reason}`).join('\n')).toBeDefined();
      expect(open!.path.map((s) => s.text).join('\n')).toContain("the gateway's port in container stack-openclaw-1");
    },
  );

  it.each([
    [8443, 'edge'],
    [9443, 'edge-baked'],
  ])("from the collection script, which does not read containers' files, the published port %i is unknown, naming container %s, never a pass", (port, name) => {
    // Each cell the live run found open (the kernel lets the client in, the door leads to the gateway) is unknown here.
    const live = cells.filter((c) => c.listener.port === port && c.zone.kind === 'internet' && c.verdict === 'open');
    expect(live.length).toBeGreaterThan(0);
    for (const open of live) {
      const cell = scriptCells.find((c) => c.zone.name === open.zone.name && c.listener.port === port && c.listener.address === open.listener.address);
      expect(cell, scriptCells.map((c) => `${c.listener.process} ${c.listener.address}:${c.listener.port} ${c.verdict}`).join('\n')).toBeDefined();
      expect(cell!.verdict, cell!.reason).toBe('unknown');
      expect(cell!.reason).toContain(`container ${name}`);
      expect(cell!.reason).toMatch(/not read by the collection script|which the collection script does not read/);
    }
  });

  it('the published port 7443 is the door of container edge-host: host.docker.internal (host-gateway) is this host, where the gateway takes it', () => {
    const internet = cells.filter((c) => c.listener.port === 7443 && c.zone.kind === 'internet');
    expect(internet.length).toBeGreaterThan(0);
    for (const cell of internet) {
      expect(cell.listener.gateway, JSON.stringify(cell.listener)).toBe(true);
      expect(cell.listener.door).toMatchObject({ kind: 'nginx', via: `proxy_pass http://host.docker.internal:${HOST_GATEWAY_PORT} (in container edge-host)` });
    }
    const open = internet.find((c) => c.verdict === 'open');
    expect(open, internet.map((c) => `${c.verdict}: ${c.reason}`).join('\n')).toBeDefined();
    expect(open!.path.map((s) => s.text).join('\n')).toMatch(
      new RegExp(`forwards it to 172\\.17\\.0\\.1:${HOST_GATEWAY_PORT}, where the gateway \\(0\\.0\\.0\\.0:${HOST_GATEWAY_PORT}`),
    );
  });
});
