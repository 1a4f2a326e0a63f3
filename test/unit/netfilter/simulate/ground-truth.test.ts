import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PacketFamily, Ruleset } from '../../../../src/netfilter/model.js';
import { prepare } from '../../../../src/netfilter/simulate/index.js';
import type { HostFacts, Packet, SimResult } from '../../../../src/netfilter/simulate/types.js';
import { CORPUS_DIR, corpusAvailable, corpusFile } from '../../../support/corpus.js';
import { allowedObservations, hasListener, hostFromIp, ipt, listenersFromSs, merge, nft, type Observed } from './helpers.js';

/**
 * The simulator against real connects: for every scenario in the corpus' ground-truth/ (read
 * in place), each probe is simulated from the client's interface and compared with what the
 * client saw. Every case must agree or be `unknown`.
 */

const GT = 'ground-truth';
const gtDir = join(CORPUS_DIR, GT);
const scenarios =
  corpusAvailable && existsSync(gtDir)
    ? readdirSync(gtDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
    : [];

/** Client → input interface (corpus README, ground-truth/). */
const CLIENT_IFACE: Readonly<Record<string, string>> = { W: 'eth0', W6: 'eth0', L: 'eth1', T: 'tailscale0', WLO: 'eth0', H: 'lo' };

/**
 * What each container listens on (corpus README, ground-truth/: "api … listens on 3000 only, so
 * 8443 answers RST from the container"). The host's snapshot cannot know this; the test can.
 */
const CONTAINER_LISTENERS: Readonly<Record<string, number[]>> = {
  '172.17.0.2': [80],
  '172.17.0.3': [5432],
  '172.20.0.2': [3000],
  '172.20.0.3': [9000],
  '172.17.0.4': [80],
};

/**
 * sysctls the scenario's sysctl.txt does not record. With --userland-proxy=false Docker sets
 * route_localnet=1 on its bridges (docker/real-docker20/docker20-noproxy.1-containers.sysctl.txt
 * shows it); ground-truth/ recorded only `all`. Without it the kernel would refuse the
 * 127.0.0.1 → container route after OUTPUT DNAT that the probes saw succeed.
 */
const EXTRA_SYSCTL: Readonly<Record<string, Record<string, string>>> = {
  'docker20-noproxy': { 'net.ipv4.conf.docker0.route_localnet': '1', 'net.ipv4.conf.br-app.route_localnet': '1' },
};

interface Probe {
  client: string;
  src: string;
  dst: string;
  port: number;
  result: 'open' | 'refused' | 'timeout' | 'error';
  errno: string | null;
  synack_from_server_seen?: boolean;
}

function observed(p: Probe): Observed | 'answered' | 'silent' {
  if (p.client === 'WLO') return p.synack_from_server_seen ? 'answered' : 'silent';
  if (p.result === 'open') return 'open';
  if (p.result === 'refused') return 'RST';
  if (p.result === 'timeout') return 'timeout';
  return p.errno === 'ENETUNREACH' ? 'no-route' : 'icmp';
}

function loadRuleset(dir: string): Ruleset {
  const parts: Ruleset[] = [];
  const read = (f: string): string | undefined => (existsSync(join(gtDir, dir, f)) ? corpusFile(GT, dir, f) : undefined);
  for (const [file, family] of [
    ['rules.iptables-save.txt', 'ip'],
    ['rules.iptables-legacy-save.txt', 'ip'],
    ['rules.ip6tables-save.txt', 'ip6'],
  ] as const) {
    const text = read(file);
    if (text !== undefined) parts.push(ipt(text, family as PacketFamily, file));
  }
  const json = read('rules.nft.json');
  if (json !== undefined) parts.push(nft(JSON.parse(json), 'rules.nft.json'));
  return merge(...parts);
}

/** The host's own source address: the destination itself if local, 127.0.0.1/::1 for loopback, else the output interface's. */
function hostSource(host: HostFacts, dst: string): string {
  if (dst.startsWith('127.')) return '127.0.0.1';
  if (dst === '::1') return '::1';
  if (host.addresses.some((a) => a.address === dst)) return dst;
  const v6 = dst.includes(':');
  return host.addresses.find((a) => a.iface !== 'lo' && (a.family === 6) === v6)?.address ?? dst;
}

interface Tally {
  cases: number;
  agree: number;
  unknown: number;
  disagree: string[];
}

describe('simulator vs ground truth', () => {
  if (!corpusAvailable || scenarios.length === 0) {
    it.skip(`ground truth: corpus not found at ${gtDir} (set CLAWMOAT_CORPUS)`, () => {});
    return;
  }
  const totals: Tally = { cases: 0, agree: 0, unknown: 0, disagree: [] };
  const lines: string[] = [];

  for (const scenario of scenarios) {
    it(scenario, () => {
      const base = hostFromIp(corpusFile(GT, scenario, 'ip-addr.json'), corpusFile(GT, scenario, 'ip-route.json'), corpusFile(GT, scenario, 'sysctl.txt'));
      const host: HostFacts = { ...base, sysctl: { ...base.sysctl, ...EXTRA_SYSCTL[scenario] } };
      const listeners = listenersFromSs(corpusFile(GT, scenario, 'ss-ltnp.txt'));
      const sim = prepare(loadRuleset(scenario), host);
      const probes = corpusFile(GT, scenario, 'results.jsonl')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Probe);
      const t: Tally = { cases: 0, agree: 0, unknown: 0, disagree: [] };
      for (const probe of probes) {
        const iif = CLIENT_IFACE[probe.client];
        if (iif === undefined) continue;
        const family: PacketFamily = probe.dst.includes(':') ? 'ip6' : 'ip';
        const saddr = probe.client === 'H' ? hostSource(host, probe.dst) : probe.src;
        const packet: Packet = { family, iif, saddr, daddr: probe.dst, protocol: 'tcp', sport: 40000, dport: probe.port };
        const r = sim.simulate(packet);
        const reached = (res: SimResult): boolean =>
          res.disposition === 'local'
            ? hasListener(listeners, family, res.daddr, res.dport)
            : (CONTAINER_LISTENERS[res.daddr] ?? [res.dport]).includes(res.dport);
        const allowed = allowedObservations(r, reached);
        const seen = observed(probe);
        t.cases++;
        const label = `${probe.client} → ${probe.dst}:${probe.port}`;
        if (allowed === 'unknown') {
          t.unknown++;
          lines.push(`  unknown ${scenario} ${label}: ${r.unknownReasons.join(' | ')}`);
          continue;
        }
        // WLO: the client's kernel drops the answer; what counts is whether the server answered.
        const ok = seen === 'answered' ? allowed.includes('open') : seen === 'silent' ? !allowed.includes('open') : allowed.includes(seen);
        if (ok) {
          t.agree++;
        } else {
          t.disagree.push(
            `${label}: observed ${seen}, simulated ${r.disposition}${r.reason ? ` (${r.reason})` : ''} → ${allowed.join('/')}\n${r.steps.map((s) => `      ${s.hook} ${s.table} ${s.chain} ${s.rule ?? ''} ${s.text} [${s.action ?? ''}]`).join('\n')}`,
          );
        }
      }
      totals.cases += t.cases;
      totals.agree += t.agree;
      totals.unknown += t.unknown;
      totals.disagree.push(...t.disagree.map((d) => `${scenario} ${d}`));
      console.log(`ground truth ${scenario}: cases ${t.cases}, agree ${t.agree}, unknown ${t.unknown}, disagree ${t.disagree.length}`);
      expect(t.disagree).toEqual([]);
    });
  }

  it('totals', () => {
    console.log(`ground truth total: cases ${totals.cases}, agree ${totals.agree}, unknown ${totals.unknown}, disagree ${totals.disagree.length}`);
    if (lines.length > 0) console.log(lines.join('\n'));
    expect(totals.cases).toBeGreaterThan(0);
    expect(totals.disagree).toEqual([]);
  });
});
