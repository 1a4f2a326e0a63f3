import {
  compose,
  tcpListener,
  withContainers,
  withDockerNetwork,
  withGatewayProcess,
  withInterface,
  withIptables,
  withSockets,
  withSysctl,
  withUfw,
} from '../../../fixtures/builders/snapshot.js';
import type { CheckCases } from '../../../../src/checks/types.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';

/** UFW's after.rules and after6.rules as Ubuntu ships them (trimmed): where harden adds the DOCKER-USER policy. */
function withAfterRules(s: Snapshot): Snapshot {
  if (s.ufw.status !== 'ok') return s;
  const shipped = (chain: string) => `*filter\n:${chain}-after-input - [0:0]\nCOMMIT\n`;
  const ruleFiles = {
    ...s.ufw.data.files.ruleFiles,
    'after.rules': { status: 'ok' as const, data: shipped('ufw') },
    'after6.rules': { status: 'ok' as const, data: shipped('ufw6') },
  };
  return { ...s, ufw: { ...s.ufw, data: { ...s.ufw.data, files: { ...s.ufw.data.files, ruleFiles } } } };
}

/** A UFW host with Docker 20.10 publishing 18789 from 172.18.0.2 on bridge br-oc (the classic bypass). */
const UFW_DOCKER = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':INPUT ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ':DOCKER - [0:0]',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
  '-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER',
  '-A POSTROUTING -s 172.18.0.0/16 ! -o br-oc -j MASQUERADE',
  '-A DOCKER -i br-oc -j RETURN',
  '-A DOCKER ! -i br-oc -p tcp -m tcp --dport 18789 -j DNAT --to-destination 172.18.0.2:18789',
  'COMMIT',
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':DOCKER - [0:0]',
  ':DOCKER-USER - [0:0]',
  ':ufw-before-input - [0:0]',
  ':ufw-user-input - [0:0]',
  '-A INPUT -j ufw-before-input',
  '-A INPUT -j ufw-user-input',
  '-A FORWARD -j DOCKER-USER',
  '-A FORWARD -o br-oc -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A FORWARD -o br-oc -j DOCKER',
  // Docker's own: what the container sends out (its SYN-ACKs included) leaves through here.
  '-A FORWARD -i br-oc ! -o br-oc -j ACCEPT',
  '-A DOCKER -d 172.18.0.2/32 ! -i br-oc -o br-oc -p tcp -m tcp --dport 18789 -j ACCEPT',
  '-A DOCKER-USER -j RETURN',
  '-A ufw-before-input -i lo -j ACCEPT',
  '-A ufw-user-input -p tcp --dport 22 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

const HOST = compose(
  withInterface('br-oc', '172.18.0.1', 16, '172.18.0.0/16'),
  withSysctl({ 'net.ipv4.ip_forward': '1' }),
  withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'),
  withContainers({
    name: 'openclaw-gateway',
    networkMode: 'openclaw-net',
    networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
    ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '18789' }],
  }),
  withDockerNetwork('openclaw-net', 'br-oc', '172.18.0.0/16'),
);

/** dockerUfwBypass: the snapshots it must pass and those it must report. */
export const cases: CheckCases = {
  valid: [
    { name: 'UFW not installed', snapshot: (s) => s, result: 'skipped' },
    {
      name: 'published on 127.0.0.1 only (no DNAT from outside)',
      snapshot: compose(
        HOST,
        withIptables(
          UFW_DOCKER.replace('-A DOCKER ! -i br-oc -p tcp -m tcp --dport 18789', '-A DOCKER -d 127.0.0.1/32 ! -i br-oc -p tcp -m tcp --dport 18789'),
        ),
        withGatewayProcess(9, ['openclaw-gateway']),
        withSockets(tcpListener('127.0.0.1', 18789, 70, 'docker-proxy')),
      ),
      result: 'pass',
    },
  ],
  invalid: [
    {
      name: 'published on 0.0.0.0 under UFW default deny',
      snapshot: compose(HOST, withIptables(UFW_DOCKER), withSockets(tcpListener('0.0.0.0', 18789, 70, 'docker-proxy')), withAfterRules),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['docker.filter-published'],
      steps: ['docker.docker-user-v4', 'docker.docker-user-v6', 'ufw.reload'],
      evidenceIncludes: ['DNAT', 'forward'],
    },
    {
      name: 'DOCKER-USER returns without filtering',
      snapshot: compose(HOST, withIptables(UFW_DOCKER), withSockets(tcpListener('::', 18789, 70, 'docker-proxy'))),
      result: 'fail',
      severity: 'critical',
      findings: 1,
      fixes: ['docker.filter-published'],
      steps: [],
      evidenceIncludes: ['DOCKER-USER'],
    },
  ],
};
