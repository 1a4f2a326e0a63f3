import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';
import { CLI, ensureBuilt } from './lab/clawmoat.js';
import { link, Netns } from './lab/netns.js';
import { startSilentListener } from './lab/servers.js';
import type { TailscalePlan } from '../../src/remote/tailscale/plan.js';

/**
 * Tailscale cannot run here, so the lab stands in for what the kernel shows of it: a
 * namespace whose `tailscale0` (a veth) holds 100.101.102.103/10, a LAN link beside it,
 * and a listener on the tailnet address and the gateway port. `reach` must see the tailnet
 * zone reach it (and the LAN too: Linux is a weak host), and `tailscale plan` must recommend
 * keeping the tailnet bind, admit the port on tailscale0 only, and say in one line that
 * Tailscale itself was not checked.
 */

const TAILNET = '100.101.102.103';
const PORT = 18789;

const req = requires('tailscale: plan and reach on a tailnet-bound listener', ['root', 'netns']);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let ns: Netns;
  let env: NodeJS.ProcessEnv;

  const clawmoat = async (args: string[]) => {
    await ensureBuilt();
    return ns.exec(process.execPath, [CLI, ...args], { env, allowFail: true, timeoutMs: 60_000 });
  };

  beforeAll(async () => {
    ns = await Netns.create(scope, 'ts');
    const peer = await Netns.create(scope, 'tspeer');
    // veth pairs into a peer namespace (this kernel has no dummy links): a tailnet and a LAN.
    await link({ ns, ifname: 'tailscale0', cidr: `${TAILNET}/10` }, { ns: peer, ifname: 'eth0', cidr: '100.101.102.104/10' });
    await link({ ns, ifname: 'eth1', cidr: '192.168.1.10/24' }, { ns: peer, ifname: 'eth1', cidr: '192.168.1.20/24' });
    await startSilentListener(scope, ns, PORT, TAILNET);
    const home = tempDir(scope, 'ts-home');
    // No tailscale on PATH, no Docker, an empty HOME: only the kernel's view of the tailnet.
    env = { PATH: labPath(), HOME: home, LANG: 'C.UTF-8', NO_COLOR: '1', DOCKER_HOST: `unix://${home}/no-docker.sock` };
  });

  afterAll(async () => {
    await scope.dispose();
  });

  it('reach: the tailnet zone reaches the listener on the tailnet address', async () => {
    const result = await clawmoat(['reach', '--port', String(PORT), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const matrix = JSON.parse(result.stdout) as {
      zones: { name: string; kind: string }[];
      cells: { zone: { name: string; kind: string }; listener: { address: string }; verdict: string }[];
    };
    expect(matrix.zones.find((z) => z.kind === 'tailnet')?.name).toBe('tailnet:tailscale0');
    const tailnet = matrix.cells.find((c) => c.zone.kind === 'tailnet');
    expect(tailnet).toMatchObject({ listener: { address: TAILNET }, verdict: 'open' });
  });

  it('tailscale plan: keeps the tailnet bind, tailscale0 only, and says Tailscale was not checked', async () => {
    const result = await clawmoat(['tailscale', 'plan', '--json', '--allow', 'alice@example.com']);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as TailscalePlan;
    expect(plan.recommendation).toMatchObject({ setup: 'tailnet', for: 'cli', chosenBy: 'host' });
    expect(plan.gateway.bind).toMatchObject({ observed: 'tailnet', addresses: [TAILNET] });
    expect(plan.tailscale).toMatchObject({ state: 'not-installed', interface: 'tailscale0', addresses: [TAILNET] });
    expect(plan.notes[0]).toBe(`Tailscale Serve/Funnel not checked: tailscale is not installed; a tailnet interface is up (tailscale0 ${TAILNET}).`);
    expect(plan.reach).toContainEqual({ zone: 'tailnet:tailscale0', kind: 'tailnet', listener: `${TAILNET}:${PORT}`, verdict: 'open' });
    expect(plan.steps.find((s) => s.id === 'firewall.tailnet-only')?.commands).toEqual([`sudo ufw allow in on tailscale0 to any port ${PORT} proto tcp`]);
    expect(plan.policy).toMatchObject({ principals: ['alice@example.com'], port: PORT });
  });

  it('tailscale plan: text, and usage errors exit 2', async () => {
    const text = await clawmoat(['tailscale', 'plan', '--allow', 'alice@example.com']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Recommended: bind "tailnet" + a token (CLI and agents)');
    expect(text.stdout).not.toMatch(/\u001b\[/);
    const bad = await clawmoat(['tailscale', 'plan', '--allow', 'not a login']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--allow not a login');
  });
});
