import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../support/prerequisites.js';
import { binary, labPath } from '../support/binaries.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { Clawmoat } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { spawnDaemon, stopPid, waitFor } from './lab/proc.js';
import { readFileSync } from 'node:fs';
import type { Snapshot } from '../../src/snapshot/types.js';

/**
 * A second uplink with policy routing and rp_filter=1 (review C finding 3), for real: H's s1
 * (93.184.216.10/24) has its default route only in table 100, picked by `ip rule from
 * 93.184.216.10 lookup 100`. The kernel accepts a client from 203.0.113.77 on s1 (its reverse-path
 * lookup follows the rule); the collector must record the rule, and reach must not call that
 * cell filtered (the simulator looks in main alone, so it says unknown, naming the rule).
 */
const req = requires('policy routing: a from-rule to a second uplink is collected and its rp_filter cell is not filtered (needs root, netns)', [
  'root',
  'netns',
]);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let h: Netns;
  let p: Netns;
  let snapshot: Snapshot;
  let snapFile: string;
  let clawmoat: Clawmoat;

  const connect = (ns: Netns) =>
    ns.exec(
      process.execPath,
      [
        '-e',
        `const s=require('net').connect({host:'93.184.216.10',port:18789,localAddress:'203.0.113.77',timeout:3000});s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('timeout',()=>{console.log('timeout');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`,
      ],
      { timeoutMs: 10_000 },
    );

  beforeAll(async () => {
    h = await Netns.create(scope, 'prh');
    p = await Netns.create(scope, 'prp');
    await link({ ns: h, ifname: 's0', cidr: '198.51.100.10/24' }, { ns: p, ifname: 'p0', cidr: '198.51.100.1/24' });
    await link({ ns: h, ifname: 's1', cidr: '93.184.216.10/24' }, { ns: p, ifname: 'p1', cidr: '93.184.216.1/24' });
    await h.ip('route', 'add', 'default', 'via', '198.51.100.1');
    await h.ip('route', 'add', 'default', 'via', '93.184.216.1', 'table', '100');
    await h.ip('rule', 'add', 'from', '93.184.216.10', 'lookup', '100');
    await h.exec(binary('sysctl'), ['-qw', 'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.s1.rp_filter=1']);
    await p.ip('addr', 'add', '203.0.113.77/32', 'dev', 'lo');
    const [cmd, args] = h.argv(process.execPath, ['-e', "require('net').createServer(c=>c.end()).listen(18789,'0.0.0.0')"]);
    const server = spawnDaemon(cmd, args, { env: { PATH: labPath() }, logFile: join(tempDir(scope, 'pr-log'), 'server.log') });
    const resource: Resource = { kind: 'process', pid: server.pid, startTime: server.startTime, label: 'listener in H' };
    hold(resource);
    scope.defer('listener in H', async () => {
      await stopPid(server.pid, server.startTime, 2_000);
      release(resource);
    });
    await waitFor(async () => ((await h.exec(binary('ss'), ['-Htln', 'sport = :18789'])).stdout.trim() ? true : undefined), {
      what: 'the listener',
      timeoutMs: 5_000,
    });
    clawmoat = new Clawmoat(scope, h, PrivateEtc.create(scope));
    snapFile = join(tempDir(scope, 'pr-snap'), 'host.json');
    const collected = await clawmoat.run(['collect', '-o', snapFile]);
    if (collected.code !== 0) throw new Error(`clawmoat collect failed: ${collected.stderr}`);
    snapshot = JSON.parse(readFileSync(snapFile, 'utf8')) as Snapshot;
  }, 180_000);
  afterAll(() => scope.dispose());

  it('ground truth: the kernel accepts the client on the second uplink', async () => {
    expect((await connect(p)).stdout.trim()).toBe('connected');
  });

  it('the collector records the rule', () => {
    expect(snapshot.network.rules).toMatchObject({ status: 'ok' });
    const rules = snapshot.network.rules?.status === 'ok' ? snapshot.network.rules.data : [];
    expect(rules).toContainEqual(expect.objectContaining({ family: 4, src: '93.184.216.10', table: '100' }));
  });

  it('reach does not call the second uplink filtered, and names the rule', async () => {
    const out = await clawmoat.run(['reach', '--snapshot', snapFile, '--port', '18789', '--from', 'internet:s1']);
    expect(out.stdout).not.toMatch(/FILTERED/);
    expect(out.stdout).toMatch(/UNKNOWN|OPEN/);
    expect(out.stdout).toMatch(/from 93\.184\.216\.10 lookup 100/);
  });
});
