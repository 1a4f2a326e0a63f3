import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../../src/audit.js';
import { dockerUserBlock } from '../../../../src/harden/plan/docker-user-steps.js';
import { buildPlan } from '../../../../src/harden/plan/index.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { cases } from '../../checks/cases/docker-ufw-bypass.js';
import { buildContext } from '../../../../src/model/context.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withContainers,
  withDockerNetwork,
  withInterface,
  withIptables,
  withSockets,
  withSysctl,
} from '../../../fixtures/builders/snapshot.js';

/**
 * The guide's DOCKER-USER policy (after.rules), judged by the reach model on a Docker 20 host:
 * nginx publishes 443 → 443, the gateway 8080 → 80. Web traffic is the port the client asked
 * for, so the gateway behind container port 80 must not slip through as "web".
 */
function dockerHost(dockerUser: string[]): string {
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
    '-A DOCKER -i docker0 -j RETURN',
    '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80',
    '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 443 -j DNAT --to-destination 172.17.0.3:443',
    'COMMIT',
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -o docker0 -j DOCKER',
    '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT',
    '-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT',
    '-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 443 -j ACCEPT',
    ...dockerUser,
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
    '',
  ].join('\n');
}

/** The rules the block appends to DOCKER-USER, as iptables-restore leaves them. */
const policyRules = dockerUserBlock(false)
  .split('\n')
  .filter((l) => l.startsWith('-A DOCKER-USER') && l !== '-A DOCKER-USER -j RETURN');

function cells(dockerUser: string[]) {
  const snapshot = compose(
    withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24'),
    withInterface('docker0', '172.17.0.1', 16, '172.17.0.0/16'),
    withSysctl({ 'net.ipv4.ip_forward': '1' }),
    withIptables(dockerHost(dockerUser)),
    // docker-proxy holds the host ports; traffic from outside is DNATed before it could reach them.
    withSockets(tcpListener('0.0.0.0', 22, 100, 'sshd'), tcpListener('0.0.0.0', 8080, 200, 'docker-proxy'), tcpListener('0.0.0.0', 443, 201, 'docker-proxy')),
    withContainers(
      {
        name: 'openclaw-gateway',
        networkMode: 'bridge',
        networks: [{ name: 'bridge', ipAddress: '172.17.0.2' }],
        ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '8080' }],
      },
      {
        name: 'nginx',
        networkMode: 'bridge',
        networks: [{ name: 'bridge', ipAddress: '172.17.0.3' }],
        ports: [{ containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '443' }],
      },
    ),
    withDockerNetwork('bridge', 'docker0', '172.17.0.0/16'),
  )(baselineSnapshot());
  const matrix = buildContext(snapshot).reach();
  return (port: number, kind: string) => matrix.cells.find((c) => c.listener.port === port && c.zone.kind === kind)?.verdict;
}

describe('the DOCKER-USER policy of after.rules', () => {
  it('without it, both published ports are open from the internet (the UFW bypass)', () => {
    const verdict = cells([]);
    expect([verdict(8080, 'internet'), verdict(443, 'internet')]).toEqual(['open', 'open']);
  });

  it('with it, the gateway published 8080 → 80 is filtered from the internet, the LAN keeps it, and host port 443 stays public', () => {
    const verdict = cells(policyRules);
    expect(verdict(8080, 'internet')).toBe('filtered');
    expect(verdict(8080, 'lan')).toBe('open');
    expect(verdict(443, 'internet')).toBe('open');
  });
});

/** The check's case: Docker publishes the gateway on 0.0.0.0 under UFW's default deny; harden plans the DOCKER-USER block. */
function bypassHost(): Snapshot {
  return cases.invalid!.find((c) => c.name === 'published on 0.0.0.0 under UFW default deny')!.snapshot(baselineSnapshot());
}

describe('the after.rules apply writes', () => {
  const LIVE = '# ufw after.rules\n*filter\n:ufw-after-input - [0:0]\nCOMMIT\n';
  const LIVE6 = '*filter\n:ufw6-after-input - [0:0]\nCOMMIT\n';

  it("is the live file plus the block, never the snapshot's copy (scrubbed of a secret that reads COMMIT)", () => {
    const bypass = bypassHost();
    if (bypass.ufw.status !== 'ok') throw new Error('the case has UFW');
    // What collect leaves when the gateway's environment holds a "secret" whose value is COMMIT.
    const scrubbed = '# ufw after.rules\n*filter\n:ufw-after-input - [0:0]\n[REDACTED]\n';
    const ruleFiles = { ...bypass.ufw.data.files.ruleFiles, 'after.rules': { status: 'ok' as const, data: scrubbed } };
    const snapshot: Snapshot = { ...bypass, ufw: { ...bypass.ufw, data: { ...bypass.ufw.data, files: { ...bypass.ufw.data.files, ruleFiles } } } };
    const files: Record<string, string> = { '/etc/ufw/after.rules': LIVE, '/etc/ufw/after6.rules': LIVE6 };
    const plan = buildPlan(buildContext(snapshot), auditSnapshot(snapshot), {
      remote: 'loopback',
      noPublish: false,
      newToken: 'a'.repeat(64),
      readFile: (p) => files[p],
    });
    const v4 = plan.steps.find((st) => st.id === 'docker.docker-user-v4');
    expect(v4?.kind === 'file' && v4.content).toBe(`${LIVE}\n${dockerUserBlock(false)}`);
    expect(v4?.kind === 'file' && v4.diff).not.toContain('[REDACTED]');
  });

  it('is not planned when the live file cannot be read, saying so', () => {
    const bypass = bypassHost();
    const plan = buildPlan(buildContext(bypass), auditSnapshot(bypass), {
      remote: 'loopback',
      noPublish: false,
      newToken: 'a'.repeat(64),
      readFile: () => undefined,
    });
    expect(plan.steps.map((st) => st.id)).not.toContain('docker.docker-user-v4');
    expect(plan.notes).toContain('/etc/ufw/after.rules could not be read now (missing or unreadable): the DOCKER-USER policy for IPv4 is not planned');
  });
});
