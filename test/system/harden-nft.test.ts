import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NFT_UNDO_ARGV } from '../../src/harden/plan/docker-nft-steps.js';
import { dockerNftBackend, hasPolicyTable, nftPolicyJson, nftPolicyText } from '../../src/harden/plan/docker-nft.js';
import { baselineSnapshot } from '../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { link, Netns } from './lab/netns.js';
import { tcpConnect } from './lab/probe.js';
import { startSilentListener } from './lab/servers.js';

/**
 * The Docker 29 nftables policy harden plans (docker-nft.ts), loaded with the real `nft -f` into
 * a host namespace H that carries a ruleset in Docker 29's nftables shape (a real Docker 29 is
 * not available here: the lab's dockerd is Debian's 20.10 on iptables):
 *
 *   inet  198.51.100.2 ── H eth0 198.51.100.1 (default route)
 *   lan   192.168.50.2 ── H eth1 192.168.50.1
 *   ctr   192.0.2.2    ── H bridge1 192.0.2.1   ("container": listens on 80)
 *
 * H publishes 8080 -> 192.0.2.2:80 (the gateway, say) and 443 -> 192.0.2.2:80 (a web port), the
 * way Docker's `ip docker-bridges` table does: nat prerouting DNAT, then filter-forward through
 * a verdict map into the bridge's chain, which accepts the published port.
 */

const DOCKER29 = `
table ip docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "bridge1" : jump filter-forward-in__bridge1 }
	}
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		oifname vmap @filter-forward-in-jumps
	}
	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-prerouting-and-output {
		iifname != "bridge1" tcp dport 8080 counter dnat to 192.0.2.2:80 comment "DNAT"
		iifname != "bridge1" tcp dport 443 counter dnat to 192.0.2.2:80 comment "DNAT"
	}
	chain filter-forward-in__bridge1 {
		ct state established,related counter accept
		iifname "bridge1" counter accept comment "ICC"
		ip daddr 192.0.2.2 tcp dport 80 counter accept
		counter drop comment "UNPUBLISHED PORT DROP"
	}
}
`;

const H = { wan: '198.51.100.1', lan: '192.168.50.1' };

/** Drop the fields the kernel assigns (handles) and the ones that move (counters), keep the rest. */
function normalise(items: unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(items), (key, value: unknown) =>
    key === 'handle' ? undefined : key === 'counter' ? { packets: 0, bytes: 0 } : value,
  ) as unknown[];
}

const req = requires('harden: the Docker 29 nftables policy on the real kernel', ['root', 'netns', 'netfilter']);

describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let host: Netns;
  let inet: Netns;
  let lan: Netns;
  let policyFile: string;

  const nft = (...args: string[]) => host.exec(binary('nft'), args);
  const listRuleset = async (): Promise<Snapshot> => {
    const { stdout } = await nft('-j', 'list', 'ruleset');
    const base = baselineSnapshot();
    return { ...base, netfilter: { ...base.netfilter, nftRuleset: { status: 'ok', data: JSON.parse(stdout) as unknown } } };
  };

  beforeAll(async () => {
    host = await Netns.create(scope, 'h');
    inet = await Netns.create(scope, 'inet');
    lan = await Netns.create(scope, 'lan');
    const ctr = await Netns.create(scope, 'ctr');
    await link({ ns: host, ifname: 'eth0', cidr: `${H.wan}/24` }, { ns: inet, ifname: 'eth0', cidr: '198.51.100.2/24' });
    await link({ ns: host, ifname: 'eth1', cidr: `${H.lan}/24` }, { ns: lan, ifname: 'eth0', cidr: '192.168.50.2/24' });
    await link({ ns: host, ifname: 'bridge1', cidr: '192.0.2.1/24' }, { ns: ctr, ifname: 'eth0', cidr: '192.0.2.2/24' });
    await ctr.ip('route', 'add', 'default', 'via', '192.0.2.1');
    await host.exec(binary('sysctl'), ['-qw', 'net.ipv4.ip_forward=1']);
    await host.exec(binary('nft'), ['-f', '-'], { input: DOCKER29 });
    await startSilentListener(scope, ctr, 80);
    policyFile = join(tempDir(scope, 'nft-policy'), 'clawmoat-docker.nft');
    writeFileSync(policyFile, nftPolicyText('docker.ufw_bypass'));
  });

  afterAll(() => scope.dispose());

  it('before: the published port answers from the internet and the LAN; the snapshot reads as the nftables backend', async () => {
    expect((await tcpConnect(inet, H.wan, 8080)).state).toBe('open');
    expect((await tcpConnect(lan, H.lan, 8080)).state).toBe('open');
    const snapshot = await listRuleset();
    expect(dockerNftBackend(snapshot)?.evidence).toMatch(/table ip docker-bridges/);
    expect(hasPolicyTable(snapshot)).toBe(false);
  });

  it('nft -f loads the planned file (twice: it replaces the table whole), and the kernel holds what the reach model is told', async () => {
    await nft('-f', policyFile);
    await nft('-f', policyFile);
    const { stdout } = await nft('-j', 'list', 'table', 'inet', 'clawmoat');
    const items = (JSON.parse(stdout) as { nftables: Record<string, unknown>[] }).nftables.filter((i) => !('metainfo' in i));
    expect(normalise(items)).toEqual(normalise(nftPolicyJson()));
    expect(hasPolicyTable(await listRuleset())).toBe(true);
  });

  it('with the table: the internet no longer reaches the published port, the LAN still does, and 443 stays a web port', async () => {
    const [internet, fromLan, web] = await Promise.all([tcpConnect(inet, H.wan, 8080, 1_500), tcpConnect(lan, H.lan, 8080), tcpConnect(inet, H.wan, 443)]);
    expect(internet.state).toBe('timeout');
    expect(fromLan.state).toBe('open');
    expect(web.state).toBe('open');
    const { stdout } = await nft('list', 'table', 'inet', 'clawmoat');
    expect(stdout).toMatch(/counter packets [1-9]\d* bytes \d+ drop/);
  });

  it("the undo removes the table, runs again harmlessly, and the internet reaches the port again; Docker's table is untouched", async () => {
    const [command, ...args] = NFT_UNDO_ARGV as [string, ...string[]];
    expect(command).toBe('nft');
    await nft(...args);
    await nft(...args);
    const snapshot = await listRuleset();
    expect(hasPolicyTable(snapshot)).toBe(false);
    expect(dockerNftBackend(snapshot)).toBeDefined();
    expect((await tcpConnect(inet, H.wan, 8080)).state).toBe('open');
  });
});
