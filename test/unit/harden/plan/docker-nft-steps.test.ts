import { describe, expect, it } from 'vitest';
import { NFT_UNIT_LINK, NFT_UNIT_PATH, NFT_UNDO_ARGV, unitText, withPlannedTable } from '../../../../src/harden/plan/docker-nft-steps.js';
import { dockerNftBackend, hasPolicyTable, NFT_FILE, nftPolicyJson, nftPolicyText, withPolicyTable } from '../../../../src/harden/plan/docker-nft.js';
import { buildPlan, type PlanOptions } from '../../../../src/harden/plan/index.js';
import type { CommandStep, Plan } from '../../../../src/harden/types.js';
import { baselineSnapshot, withContainers } from '../../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { CORPUS_SKIP_REASON, corpusAvailable } from '../../../support/corpus.js';
import { analyse, docker29Snapshot } from './docker-nft-fixture.js';

/**
 * The Docker 29 nftables backend (no DOCKER-USER): harden plans a table of its own. The host is
 * the corpus' real Docker 29 ruleset (moby's usernet-portmap, read in place), see the fixture.
 */

const skip = !corpusAvailable;
const title = (t: string) => (skip ? `${t} (skipped: ${CORPUS_SKIP_REASON})` : t);
if (skip) console.warn(`docker-nft-steps: corpus tests skipped: ${CORPUS_SKIP_REASON}`);

const FINDING = 'docker.ufw_bypass';

/** The live files harden reads; `/proc/1/comm` says which init runs. */
function files(init: string, extra: Record<string, string> = {}): PlanOptions['readFile'] {
  const all: Record<string, string> = { '/proc/1/comm': `${init}\n`, ...extra };
  return (path) => all[path];
}

function plan(snapshot: Snapshot, readFile = files('systemd'), sshConnection?: string): Plan {
  const { ctx, report } = analyse(snapshot);
  return buildPlan(ctx, report, { remote: 'loopback', noPublish: false, newToken: 'a'.repeat(64), readFile, ...(sshConnection ? { sshConnection } : {}) });
}

const dockerSteps = (p: Plan) => p.steps.filter((s) => s.id.startsWith('docker.'));
const cell = (snapshot: Snapshot, zone: string) =>
  analyse(snapshot)
    .ctx.reach()
    .cells.find((c) => c.listener.port === 8080 && c.zone.kind === zone);

describe('planDockerNft on the corpus Docker 29 ruleset', () => {
  it.skipIf(skip)(title('plans the file, the boot unit, nft -f and systemctl enable, and no DOCKER-USER or ufw reload'), () => {
    const p = plan(docker29Snapshot());
    expect(p.steps.some((s) => s.id.startsWith('docker.docker-user') || s.id === 'ufw.reload')).toBe(false);
    expect(dockerSteps(p).map((s) => s.id)).toEqual(['docker.nft-file', 'docker.nft-unit', 'docker.nft-load', 'docker.nft-enable']);
    const [file, unit, load, enable] = dockerSteps(p) as [
      Extract<(typeof p.steps)[number], { kind: 'file' }>,
      Extract<(typeof p.steps)[number], { kind: 'file' }>,
      CommandStep,
      CommandStep,
    ];
    expect(file).toMatchObject({ kind: 'file', path: NFT_FILE, finding: FINDING, content: nftPolicyText(FINDING) });
    expect(file.diff).toContain('+\t\ttype filter hook forward priority filter - 1; policy accept;');
    expect(unit).toMatchObject({ kind: 'file', path: NFT_UNIT_PATH, content: unitText(FINDING) });
    expect(load.argv).toEqual(['nft', '-f', NFT_FILE]);
    expect(load.undoArgv).toEqual([['nft', 'add table inet clawmoat; delete table inet clawmoat']]);
    expect(load.undo).toBe('nft delete table inet clawmoat');
    expect(enable.argv).toEqual(['systemctl', 'enable', 'clawmoat-docker-nft.service']);
    expect(enable.undoArgv).toEqual([['systemctl', 'disable', 'clawmoat-docker-nft.service']]);
    expect(p.notes.join('\n')).toMatch(/nft ruleset has table ip docker-bridges/);
    expect(p.notes.join('\n')).toMatch(/docker\.nft-load is not rehearsed in a scratch namespace.*: safe/);
  });

  it.skipIf(skip)(title('the reach model, told of the table, sees the internet cut from the published port and the LAN not'), () => {
    const before = docker29Snapshot();
    expect(cell(before, 'internet')?.verdict).toBe('open');
    const after = withPolicyTable(before);
    expect(cell(after, 'internet')).toMatchObject({ verdict: 'filtered' });
    expect(cell(after, 'lan')?.verdict).toBe('open');
    expect(analyse(after).ctx.netfilter.errors).toEqual([]);
  });

  it.skipIf(skip)(title("the lockout verdict is the model's: safe for sshd on the host (forward hook only)"), () => {
    const p = plan(docker29Snapshot());
    expect(p.lockout?.status).toBe('safe');
    expect(p.lockout?.paths.join('\n')).toMatch(/sshd port 22 from internet:eth0: open → open/);
  });

  it.skipIf(skip)(title("refuses when the admin's own SSH session comes in through the published port the table would close"), () => {
    // This session reaches a container's sshd through Docker's DNAT of 8080 from the internet.
    const p = plan(docker29Snapshot(), files('systemd'), '203.0.113.9 50022 198.51.100.10 8080');
    expect(p.lockout?.status).toBe('refused');
    expect(p.lockout?.reason).toMatch(/this SSH session .* would be filtered/);
  });

  it.skipIf(skip)(title('a second run plans nothing once the table is loaded and the files and the unit link are there'), () => {
    const hardened = withPolicyTable(docker29Snapshot());
    expect(hasPolicyTable(hardened)).toBe(true);
    const done = files('systemd', { [NFT_FILE]: nftPolicyText(FINDING), [NFT_UNIT_PATH]: unitText(FINDING), [NFT_UNIT_LINK]: unitText(FINDING) });
    const p = plan(hardened, done);
    expect(dockerSteps(p)).toEqual([]);
    expect(p.lockout).toBeUndefined();
    // Loaded but the file was removed by hand: only the file comes back, nothing is reloaded.
    const noFile = files('systemd', { [NFT_UNIT_PATH]: unitText(FINDING), [NFT_UNIT_LINK]: unitText(FINDING) });
    expect(dockerSteps(plan(hardened, noFile)).map((s) => s.id)).toEqual(['docker.nft-file']);
  });

  it.skipIf(skip)(title('without systemd as PID 1: the file and nft -f only, and a note that nothing loads it at boot'), () => {
    const p = plan(docker29Snapshot(), files('init'));
    expect(dockerSteps(p).map((s) => s.id)).toEqual(['docker.nft-file', 'docker.nft-load']);
    expect(p.notes.join('\n')).toMatch(/PID 1 is not systemd: nothing here will load \/etc\/clawmoat-docker\.nft at boot/);
  });

  it.skipIf(skip)(title('withPlannedTable adds the table to the "after" snapshot only when the plan loads it'), () => {
    const s = docker29Snapshot();
    const p = plan(s);
    expect(hasPolicyTable(withPlannedTable(s, p))).toBe(true);
    expect(withPlannedTable(s, { ...p, steps: p.steps.filter((x) => x.id !== 'docker.nft-load') })).toBe(s);
  });
});

describe('dockerNftBackend', () => {
  it('is not the iptables Docker: no docker-bridges table, no daemon.json setting', () => {
    expect(dockerNftBackend(withContainers({ name: 'openclaw-gateway' })(baselineSnapshot()))).toBeUndefined();
  });

  it('reads daemon.json when Docker has not made its tables yet', () => {
    const s = withContainers({ name: 'openclaw-gateway' })(baselineSnapshot());
    if (s.docker.status !== 'ok') throw new Error('fixture');
    const configured: Snapshot = {
      ...s,
      docker: { ...s.docker, data: { ...s.docker.data, daemonConfig: { status: 'ok', data: { 'firewall-backend': 'nftables' } } } },
    };
    expect(dockerNftBackend(configured)?.evidence).toMatch(/firewall-backend/);
  });

  it('finds an ip6-only docker-bridges table too', () => {
    const s = baselineSnapshot();
    const ip6: Snapshot = {
      ...s,
      netfilter: { ...s.netfilter, nftRuleset: { status: 'ok', data: { nftables: [{ table: { family: 'ip6', name: 'docker-bridges', handle: 3 } }] } } },
    };
    expect(dockerNftBackend(ip6)?.evidence).toBe('nft ruleset has table ip6 docker-bridges');
  });
});

describe('the policy file and its JSON twin', () => {
  it('every rule of the JSON is a line of the file, in order (the system test compares the JSON with real nft)', () => {
    const text = nftPolicyText(FINDING);
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const rules = lines.slice(lines.indexOf('type filter hook forward priority filter - 1; policy accept;') + 1, lines.lastIndexOf('}') - 1);
    expect(rules).toHaveLength(nftPolicyJson().filter((i) => 'rule' in i).length);
    expect(rules.at(-1)).toMatch(/^ct status dnat ct state new counter drop comment/);
    expect(rules.filter((r) => r.includes('ct original proto-dst'))).toEqual([
      'meta l4proto tcp ct original proto-dst 80 accept',
      'meta l4proto tcp ct original proto-dst 443 accept',
    ]);
  });

  it('loads idempotently: declare, delete, define', () => {
    expect(nftPolicyText(FINDING)).toMatch(/\ntable inet clawmoat \{\}\ndelete table inet clawmoat\n\ntable inet clawmoat \{\n/);
    expect(NFT_UNDO_ARGV).toEqual(['nft', 'add table inet clawmoat; delete table inet clawmoat']);
  });
});
