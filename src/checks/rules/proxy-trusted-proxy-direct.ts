import type { Check, Evidence, FindingDraft } from '../types.js';
import { GUIDE } from '../guide.js';
import { authMode, networksOverlap, configAt, configEvidence } from '../doors.js';
import { pathEvidence, describeListener } from './exposure.js';

export const proxyTrustedProxyDirect: Check = {
  meta: {
    id: 'proxy.trusted_proxy_direct',
    title: 'In trusted-proxy mode, only the proxy reaches the gateway',
    severity: 'critical',
    guide: GUIDE.remote,
    docs:
      'With `gateway.auth.mode: "trusted-proxy"` the gateway believes the user header of any peer in ' +
      '`gateway.trustedProxies`. Fails when the gateway port itself (not a door) is open from a zone other than loopback: ' +
      "critical when that zone's network overlaps `trustedProxies` (every host there can claim any user with the header), " +
      'warn otherwise (the docs require the proxy to be "the only network path"; a direct peer is refused, but one rule ' +
      'or one trustedProxies entry away from an open door).',
    fixable: false,
    inputs: ['openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: [
        'trusted-proxy on 0.0.0.0, no firewall: the internet reaches it directly',
        'trusted-proxy on 0.0.0.0 with the LAN in trustedProxies: any LAN host is anyone',
      ],
      passes: ['token mode (skipped)', 'trusted-proxy, gateway on loopback behind nginx', 'trusted-proxy on 0.0.0.0, but INPUT drops the port from outside'],
    },
  },
  evaluate(ctx) {
    if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    if (authMode(ctx) !== 'trusted-proxy') return { result: 'skipped', reason: `auth mode is ${authMode(ctx) ? `"${authMode(ctx)}"` : 'not trusted-proxy'}` };
    const trusted = configAt(ctx, 'gateway.trustedProxies').value;
    const entries = Array.isArray(trusted) ? trusted.map(String) : [];
    const direct = ctx
      .reach()
      .cells.filter((c) => c.listener.gateway && !c.listener.door && c.zone.kind !== 'loopback' && (c.verdict === 'open' || c.verdict === 'unknown'));
    if (direct.length === 0) return { result: 'pass', reason: 'the gateway port is reachable from loopback only: the proxy is the only way in' };
    const interfaces = ctx.snapshot.network.interfaces.status === 'ok' ? ctx.snapshot.network.interfaces.data : [];
    const overlaps = (zoneIface: string) =>
      interfaces
        .filter((i) => i.name === zoneIface)
        .flatMap((i) => i.addresses)
        .some((a) => entries.some((e) => networksOverlap(e, `${a.address}/${a.prefixlen}`)));
    const findings: FindingDraft[] = direct.map((cell) => {
      const trustedZone = overlaps(cell.zone.interface);
      const evidence: Evidence[] = [
        configEvidence(ctx, 'gateway.auth.mode', 'gateway.auth.mode: "trusted-proxy"'),
        configEvidence(ctx, 'gateway.trustedProxies', `gateway.trustedProxies: ${JSON.stringify(entries)}`),
        ...pathEvidence(cell),
      ];
      return {
        status: cell.verdict === 'open' ? 'fail' : 'unknown',
        severity: trustedZone ? 'critical' : 'warn',
        message: trustedZone
          ? `The gateway ${describeListener(cell)} is reachable directly from ${cell.zone.name}, whose network is in gateway.trustedProxies: any host there can send the user header and be anyone.`
          : `The gateway ${describeListener(cell)} is reachable directly from ${cell.zone.name}, not only through the proxy: trusted-proxy mode needs the proxy to be the only path.`,
        evidence,
        remediation: {
          summary: "Bind the gateway to loopback (the proxy on this host) or firewall its port to the proxy's address only.",
          steps: ['openclaw config set gateway.bind loopback', 'sudo ufw deny in to any port 18789 proto tcp'],
          automatic: false,
        },
      } satisfies FindingDraft;
    });
    return findings.some((f) => f.status === 'fail') ? { result: 'fail', findings } : { result: 'unknown', findings };
  },
};
