import { auditSnapshot } from '../../../../src/audit.js';
import { buildContext } from '../../../../src/model/context.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withConfig,
  withContainers,
  withDockerNetwork,
  withIptables,
  withInterface,
  withSockets,
  withSshd,
  withSysctl,
  withUfw,
} from '../../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../../src/snapshot/types.js';
import { corpusFile } from '../../../support/corpus.js';

/**
 * A Docker 29 host on the nftables backend, from the corpus' real ruleset (read in place): moby's
 * generated `usernet-portmap` (8080 published to 192.0.2.2:80 on bridge1), UFW active on the
 * iptables-nft side (INPUT DROP but 22; FORWARD ACCEPT, as Docker's docs ask for this backend),
 * a LAN on eth1, and the gateway's config saying port 8080, so the published port is the gateway's.
 */
export const PORTMAP = ['docker', 'moby-nftablesdoc', 'v29.7.2', 'usernet-portmap.nft.json'];

const UFW_IPTABLES = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':ufw-before-input - [0:0]',
  ':ufw-user-input - [0:0]',
  '-A INPUT -j ufw-before-input',
  '-A ufw-before-input -i lo -j ACCEPT',
  '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A ufw-before-input -j ufw-user-input',
  '-A ufw-user-input -p tcp --dport 22 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

export function docker29Snapshot(nftJson: unknown = JSON.parse(corpusFile(...PORTMAP))): Snapshot {
  const host = compose(
    withInterface('eth1', '192.168.1.10', 24, '192.168.1.0/24'),
    withInterface('bridge1', '192.0.2.1', 24, '192.0.2.0/24'),
    withSysctl({ 'net.ipv4.ip_forward': '1' }),
    withIptables(UFW_IPTABLES),
    withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n', { input: 'DROP', output: 'ACCEPT', forward: 'ACCEPT' }),
    withSshd({ port: ['22'] }),
    withSockets(tcpListener('0.0.0.0', 22, 100, 'sshd')),
    withConfig({ gateway: { port: 8080, bind: 'loopback' } }),
    withContainers({
      name: 'openclaw-gateway',
      networkMode: 'bridge1',
      networks: [{ name: 'bridge1', ipAddress: '192.0.2.2' }],
      ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '8080' }],
    }),
    withDockerNetwork('bridge1', 'bridge1', '192.0.2.0/24'),
  )(baselineSnapshot());
  return { ...host, netfilter: { ...host.netfilter, nftRuleset: { status: 'ok', data: nftJson } } };
}

export function analyse(snapshot: Snapshot) {
  return { ctx: buildContext(snapshot), report: auditSnapshot(snapshot) };
}
