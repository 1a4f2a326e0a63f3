import type { Check } from '../types.js';
import { GUIDE } from '../guide.js';
import { gatewayCells, pathEvidence, describeListener } from './exposure.js';
import { ufwPortCovers, isAnySource } from '../../model/ufw.js';

export const dockerUfwBypass: Check = {
  meta: {
    id: 'docker.ufw_bypass',
    title: 'UFW really protects the gateway port (Docker does not route around it)',
    severity: 'critical',
    guide: GUIDE.docker,
    docs:
      'UFW filters the INPUT chain; a port Docker publishes is DNATed in nat PREROUTING and then travels FORWARD, ' +
      "through Docker's own chains, so UFW's rules are never consulted. Fails when UFW is active and does not admit " +
      'the gateway port, yet the walk through the real ruleset finds it open from a non-local zone via FORWARD. The ' +
      'fix is to publish on 127.0.0.1 (or not at all), or to filter in DOCKER-USER.',
    fixable: true,
    inputs: ['ufw', 'openclaw', 'sockets', 'network', 'netfilter', 'docker', 'tailscale', 'doors'],
    /** For docs/checks.md: the names of its test cases (test/unit/checks/cases/), checked by a test to stay in step. */
    examples: {
      fails: ['published on 0.0.0.0 under UFW default deny', 'DOCKER-USER returns without filtering'],
      passes: ['UFW not installed (skipped)', 'published on 127.0.0.1 only (no DNAT from outside)'],
    },
  },
  evaluate(ctx) {
    const { ufw } = ctx;
    if (!ufw?.active) return { result: 'skipped', reason: ufw ? 'UFW is not active' : 'ufw is not installed' };
    if (!ctx.gateway.detected) return { result: 'skipped', reason: 'no OpenClaw gateway on this host' };
    const admitted = (port: number) =>
      ufw.rules.some(
        (r) =>
          !r.route &&
          r.direction === 'in' &&
          (r.action === 'allow' || r.action === 'limit') &&
          isAnySource(r.src) &&
          !r.inInterface &&
          ufwPortCovers(r.dport, port),
      );
    const bypassed = gatewayCells(ctx, ['internet', 'lan', 'tailnet', 'custom']).filter(
      (c) => c.verdict === 'open' && !admitted(c.listener.port) && c.path.some((s) => s.hook === 'forward'),
    );
    if (bypassed.length === 0) return { result: 'pass', reason: 'no gateway port reaches a container past UFW' };
    return {
      result: 'fail',
      findings: bypassed.map((cell) => ({
        status: 'fail' as const,
        message: `UFW denies ${cell.listener.port}, but ${describeListener(cell)} is open from ${cell.zone.name} through Docker's FORWARD path: UFW's INPUT chain is never consulted.`,
        evidence: pathEvidence(cell),
        remediation: {
          summary: 'Publish the gateway on 127.0.0.1 only (ports: ["127.0.0.1:18789:18789"]), or drop it in DOCKER-USER.',
          steps: [
            'compose: ports: ["127.0.0.1:18789:18789"]; docker compose up -d',
            `or: sudo iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport ${cell.listener.port} -j DROP`,
          ],
          automatic: true,
        },
        fixes: [{ kind: 'docker.filter-published' as const, ports: [{ port: cell.listener.port, from: cell.zone.name }] }],
      })),
    };
  },
};
