import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachCell, ReachMatrix } from '../../src/model/reach.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { startSilentListener } from './lab/servers.js';

/**
 * Review C (s11) finding 2, against the kernel: a zone whose interface holds only a /32 (a cloud
 * private network, Hetzner style: 10.0.0.2/32, `10.0.0.1 dev ens10 scope link`, `10.0.0.0/16 via
 * 10.0.0.1`) has clients, routed in through that interface. The model must name one and judge the
 * cell as a real client from that address finds it; with no route via the interface it cannot name
 * a client and must say unknown, never closed.
 *
 *   inet 198.51.100.2 ── eth0 198.51.100.1 (default route)  H  ens10 10.0.0.2/32 ── router 10.0.0.1/16 (holds the model's client)
 */

const PORT = 18789;

/** A connection from inside NS, from SOURCE: open, refused, timeout or error:CODE. */
async function connectFrom(ns: Netns, source: string, host: string, port: number): Promise<string> {
  const script = `
const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]), localAddress: process.argv[3], timeout: 2000 });
const done = (state) => { process.stdout.write(state); s.destroy(); process.exit(0); };
s.on('connect', () => done('open'));
s.on('timeout', () => done('timeout'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code));`;
  return (await ns.exec(process.execPath, ['-e', script, host, String(port), source], { timeoutMs: 10_000 })).stdout;
}

const req = requires('reach: a zone whose address is a /32, its clients routed in (root, netns)', ['root', 'netns', 'netfilter']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let h: Netns;
  let router: Netns;
  let clawmoat: Clawmoat;

  const reach = async (): Promise<ReachCell | undefined> => {
    const result = await clawmoat.run(['reach', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const matrix = JSON.parse(result.stdout) as ReachMatrix;
    return matrix.cells.find((c) => c.zone.name === 'lan:ens10' && c.listener.port === PORT && c.listener.address === '0.0.0.0');
  };

  beforeAll(async () => {
    h = await Netns.create(scope, 'h32');
    const inet = await Netns.create(scope, 'i32');
    router = await Netns.create(scope, 'r32');
    await link({ ns: h, ifname: 'eth0', cidr: '198.51.100.1/24' }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await link({ ns: h, ifname: 'ens10', cidr: '10.0.0.2/32' }, { ns: router, ifname: 'ens10', cidr: '10.0.0.1/16' });
    await h.ip('route', 'add', 'default', 'via', '198.51.100.2');
    await h.ip('route', 'add', '10.0.0.1', 'dev', 'ens10', 'scope', 'link');
    await h.ip('route', 'add', '10.0.0.0/16', 'via', '10.0.0.1', 'dev', 'ens10');
    await router.ip('route', 'add', '10.0.0.2', 'dev', 'ens10', 'scope', 'link');
    // The internet is kept out; the private network is let in (what the review's lan-32 host does).
    for (const rule of [
      ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'ens10', '-j', 'ACCEPT'],
      ['-P', 'INPUT', 'DROP'],
    ])
      await h.exec(binary('iptables'), rule);
    await startSilentListener(scope, h, PORT);
    clawmoat = new Clawmoat(scope, h, PrivateEtc.create(scope));
  }, 120_000);
  afterAll(() => scope.dispose());

  it('names a client in the routed 10.0.0.0/16 and says open, as a connection from that address finds it', async () => {
    const cell = await reach();
    expect(cell?.verdict, cell?.reason).toBe('open');
    const source = cell!.zone.source;
    expect(source).toMatch(/^10\.0\./);
    await router.ip('addr', 'add', `${source}/32`, 'dev', 'ens10');
    expect(await connectFrom(router, source, '10.0.0.2', PORT)).toBe('open');
  }, 120_000);

  it('says unknown, not closed, when no route via the interface names a client', async () => {
    await h.ip('route', 'del', '10.0.0.0/16');
    await h.ip('route', 'del', '10.0.0.1', 'dev', 'ens10');
    const cell = await reach();
    expect(cell?.verdict, cell?.reason).toBe('unknown');
    expect(cell?.reason).toMatch(/no IPv4 client address found/);
  }, 120_000);
});
