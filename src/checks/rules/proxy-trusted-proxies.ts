import ipaddr from 'ipaddr.js';
import type { Check, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { configAt, configEvidence, doorEvidence, gatewayDoors, networksOverlap } from '../doors.js';
import { describeDoor } from '../../model/doors.js';

const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];
/** Why an entry is broader than any real proxy, or undefined. */
function tooBroad(entry: string): string | undefined {
  let net: ipaddr.IPv4 | ipaddr.IPv6;
  let bits: number;
  try {
    [net, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
  } catch {
    return undefined;
  }
  if (bits === 0) return 'every address on the internet';
  const block = PRIVATE_BLOCKS.find((b) => networksOverlap(b, entry) && Number(b.split('/')[1]) >= bits);
  if (block) return `all of ${block}, a whole private block`;
  if (net.kind() === 'ipv4' ? bits < 16 : bits < 48) return `/${bits}, far more hosts than any proxy`;
  return undefined;
}

export const proxyTrustedProxies: Check = {
  meta: {
    id: 'proxy.trusted_proxies',
    title: 'gateway.trustedProxies lists the real proxies, and only them',
    severity: 'warn',
    guide: GUIDE.remote,
    docs:
      'OpenClaw takes the client address from X-Forwarded-For only when the peer is in `gateway.trustedProxies`. Fails ' +
      'when an entry is broader than any proxy (`0.0.0.0/0` is critical: anyone names their own address; a whole ' +
      'RFC 1918 block or a prefix shorter than /16), when an entry covers the network of a LAN or Docker zone of this host ' +
      '(every host there can forge the client address), or when the list is empty while a door forwards with ' +
      '`X-Forwarded-*` to the gateway (OpenClaw 2026.8 and later answer such requests with 403 ' +
      '`proxy_attribution_required`; users then strip the headers, and every client looks local).',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        '0.0.0.0/0 is trusted: critical',
        'all of RFC 1918 (NemoClaw PR #740)',
        'the LAN subnet is trusted (home-ops PR #9811)',
        'nginx forwards with XFF, trustedProxies empty',
      ],
      passes: ['no gateway (skipped)', 'loopback proxy, loopback trusted', 'a headerless door and no trustedProxies', 'one proxy host on the LAN'],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected || !ctx.gateway.config)
      return { result: 'skipped', reason: ctx.gateway.detected ? 'the OpenClaw config could not be read' : 'no OpenClaw gateway on this host' };
    const value = configAt(ctx, 'gateway.trustedProxies').value;
    const entries = Array.isArray(value) ? value.map(String) : [];
    const findings: FindingDraft[] = [];
    const listed = configEvidence(ctx, 'gateway.trustedProxies', `gateway.trustedProxies: ${JSON.stringify(entries)}`);
    const location = configAt(ctx, 'gateway.trustedProxies').location;
    for (const entry of entries) {
      const broad = tooBroad(entry);
      if (!broad) continue;
      findings.push({
        status: 'fail',
        severity: broad.startsWith('every') ? 'critical' : 'warn',
        message: `gateway.trustedProxies trusts ${entry}: ${broad}. Any peer in it may set X-Forwarded-For and be whoever it says.`,
        evidence: [listed],
        remediation: {
          summary: "List only the proxies' own addresses (127.0.0.1 and ::1 for a proxy on this host).",
          steps: ['openclaw config set gateway.trustedProxies \'["127.0.0.1","::1"]\''],
          automatic: false,
        },
        ...(location ? { location } : {}),
      });
    }
    const zones = ctx.reach().zones.filter((z) => z.kind === 'lan' || z.kind === 'docker' || z.kind === 'custom');
    const interfaces = ctx.snapshot.network.interfaces.status === 'ok' ? ctx.snapshot.network.interfaces.data : [];
    for (const z of zones) {
      const nets = interfaces
        .filter((i) => i.name === z.interface)
        .flatMap((i) => i.addresses.filter((a) => a.scope !== 'link').map((a) => `${a.address}/${a.prefixlen}`));
      const hit = entries.filter((e) => !tooBroad(e) && nets.some((n) => networksOverlap(e, n) && Number(e.split('/')[1] ?? '32') <= Number(n.split('/')[1])));
      if (hit.length === 0) continue;
      findings.push({
        status: 'fail',
        severity: 'warn',
        message: `gateway.trustedProxies (${hit.join(', ')}) covers the whole network of ${z.name} (${nets.join(', ')}): every host there may forge its client address.`,
        evidence: [listed],
        remediation: { summary: "Trust the proxy's own address, not its network.", steps: [], automatic: false },
        ...(location ? { location } : {}),
      });
    }
    if (entries.length === 0) {
      const forwarding = gatewayDoors(ctx).filter((d) => d.door.layer === 'http' && d.door.forwardedFor !== 'none' && !d.door.remote);
      for (const d of forwarding) {
        findings.push({
          status: 'fail',
          severity: 'warn',
          message: `${describeDoor(d.door)} forwards to the gateway with X-Forwarded-For (${d.door.forwardedFor}), but gateway.trustedProxies is empty: OpenClaw cannot attribute its clients (403 proxy_attribution_required since 2026.8), and the usual workaround, stripping the headers, makes every client look local.`,
          evidence: [...doorEvidence(d), listed],
          remediation: {
            summary: 'List the proxy in gateway.trustedProxies and make it overwrite X-Forwarded-For.',
            steps: ['openclaw config set gateway.trustedProxies \'["127.0.0.1","::1"]\'', 'nginx: proxy_set_header X-Forwarded-For $remote_addr;'],
            automatic: false,
          },
          ...(d.door.location ? { location: d.door.location } : {}),
        });
      }
    }
    if (findings.length > 0) return { result: 'fail', findings };
    return {
      result: 'pass',
      reason:
        entries.length > 0
          ? `trustedProxies ${JSON.stringify(entries)} names no more than proxies`
          : 'no door forwards with X-Forwarded-* and trustedProxies is empty',
    };
  },
};
