import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell } from '../../src/model/reach.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { tempDir, Scope } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { Dockerd } from './lab/dockerd.js';
import { wan, type Wan } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { httpGet } from './lab/probe.js';
import { run } from './lab/proc.js';

/**
 * A door in a container, for real: a real dockerd in the host namespace, a container standing in
 * for the gateway on 18789 on the network openclaw-net (busybox httpd, not published), and a
 * socat container on the same network, published on the host as 8443, forwarding to the gateway
 * container by its name. A client on the internet reaches the gateway through it; clawmoat's row
 * for the published port must be that door, leading to the gateway, open from the internet.
 *
 * There is no registry: the socat image is the host's own socat and the libraries it links.
 */

const SOCAT_IMAGE = 'socat:local';

async function importSocat(dockerd: Dockerd, dir: string): Promise<void> {
  const root = join(dir, 'rootfs');
  const socat = binary('socat');
  const { stdout } = await run(binary('ldd'), [socat]);
  const files = [socat, ...[...stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1]!)];
  for (const file of new Set(files)) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  await run(binary('tar'), ['-C', root, '-cf', join(dir, 'socat.tar'), '.']);
  await dockerd.docker(['import', join(dir, 'socat.tar'), SOCAT_IMAGE]);
}

const req = requires('doors: a socat container published on the host in front of a gateway container (real dockerd)', [
  'root',
  'netns',
  'netfilter',
  'docker',
  'socat',
]);
// With dockerd's userland proxy (docker-proxy listens on the published port) and without it
// (dockerd's DNAT carries the client; dockerd itself holds the host port, so that nothing else takes it).
for (const { proxy, userlandProxy } of [
  { proxy: 'with the userland proxy', userlandProxy: true },
  { proxy: 'with "userland-proxy": false', userlandProxy: false },
])
  describe.skipIf(req.skip)(`${req.name}, ${proxy}`, req.options, () => {
    const scope = new Scope();
    let lab: Wan;
    let dockerd: Dockerd;
    let cells: ReachCell[];

    beforeAll(async () => {
      lab = await wan(scope);
      dockerd = await Dockerd.start(scope, lab.gw, { userlandProxy });
      await dockerd.importBusybox();
      await importSocat(dockerd, tempDir(scope, 'socat-image'));
      await dockerd.docker(['network', 'create', 'openclaw-net']);
      await dockerd.runHttpd('openclaw', [], { network: 'openclaw-net' });
      const socat = binary('socat');
      await dockerd.docker([
        'run',
        '-d',
        '--name',
        'edge',
        '--network',
        'openclaw-net',
        '-p',
        '8443:8443',
        SOCAT_IMAGE,
        socat,
        'TCP-LISTEN:8443,fork,reuseaddr',
        'TCP:openclaw:18789',
      ]);
      const clawmoat = new Clawmoat(scope, lab.gw, PrivateEtc.create(scope), { dockerHost: dockerd.host });
      const result = await clawmoat.run(['reach', '--json']);
      expect(result.code, result.stderr).toBe(0);
      cells = (JSON.parse(result.stdout) as { cells: ReachCell[] }).cells;
    }, 5 * 60_000);

    afterAll(() => scope.dispose());

    it('a client on the internet reaches the gateway container through the socat container', async () => {
      // busybox httpd with no index answers 404: the gateway stand-in, not a refusal.
      const res = await httpGet(lab.client, `http://${lab.gwAddress}:8443/`, 5_000);
      expect(res.status, JSON.stringify(res)).toBe(404);
    });

    it("the published port is the door's row: socat in container edge, to the gateway container, open from the internet", () => {
      const internet = cells.filter((c) => c.listener.port === 8443 && c.zone.kind === 'internet');
      expect(internet.length, cells.map((c) => `${c.listener.process} ${c.listener.address}:${c.listener.port}`).join('\n')).toBeGreaterThan(0);
      for (const cell of internet) {
        expect(cell.listener.gateway).toBe(true);
        // docker-proxy's socket, or (userland proxy off) the one dockerd holds to reserve the port.
        expect(cell.listener.process).toBe(userlandProxy ? 'docker-proxy' : 'dockerd');
        expect(cell.listener.door).toMatchObject({ kind: 'socat' });
        expect(cell.listener.door?.via).toContain('(in container edge)');
      }
      const open = internet.find((c) => c.verdict === 'open');
      expect(open, internet.map((c) => `${c.verdict}: ${c.reason}`).join('\n')).toBeDefined();
      expect(open!.path.map((s) => s.text).join('\n')).toContain("the gateway's port in container openclaw");
    });
  });
