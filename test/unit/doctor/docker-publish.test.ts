import { describe, expect, it } from 'vitest';
import { dockerPublish } from '../../../src/doctor/symptoms/docker-publish.js';
import { compose, tcpListener, withComposeFile, withContainers, withSockets } from '../../fixtures/builders/snapshot.js';
import type { DockerContainer } from '../../../src/snapshot/types.js';
import { diagnose, fixOf } from './helpers.js';

const gateway = (extra: Partial<DockerContainer> = {}): Partial<DockerContainer> => ({
  name: 'openclaw-gateway',
  image: 'ghcr.io/openclaw/openclaw:2026.9.6',
  networkMode: 'openclaw-net',
  networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
  ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '', hostPort: '' }],
  ...extra,
});

const COMPOSE = [
  '# the gateway, by hand',
  'services:',
  '  openclaw-gateway:',
  '    image: ghcr.io/openclaw/openclaw:2026.9.6 # pinned',
  '    environment:',
  '      OPENCLAW_GATEWAY_TOKEN: ${OPENCLAW_GATEWAY_TOKEN}',
  '    networks:',
  '      - openclaw-net',
  'networks:',
  '  openclaw-net: {}',
  '',
].join('\n');

describe('docker-publish', () => {
  it('not published, no compose file: recreate it with the port on 127.0.0.1 only', () => {
    const r = diagnose(dockerPublish, withContainers(gateway()));
    expect(r.status).toBe('problem');
    expect(r.cause).toBe(
      "the port is not published: openclaw-gateway's gateway port 18789 is reachable only inside Docker (openclaw-net), not at 127.0.0.1:18789 on this host",
    );
    expect(r.saw.map((e) => e.text)).toContain('its ports: 18789/tcp (exposed, not published)');
    expect(r.fix?.commands).toEqual([
      'docker rm -f openclaw-gateway',
      'docker run -d --name openclaw-gateway --network openclaw-net -p 127.0.0.1:18789:18789 ghcr.io/openclaw/openclaw:2026.9.6 …',
    ]);
  });

  it('not published, its compose file read: the compose diff publishing on 127.0.0.1, comments kept', () => {
    const r = diagnose(dockerPublish, compose(withContainers(gateway()), withComposeFile('/srv/openclaw/compose.yaml', COMPOSE)));
    expect(r.status).toBe('problem');
    const diff = r.fix?.diff ?? '';
    expect(diff).toContain('+++ b/srv/openclaw/compose.yaml');
    expect(diff).toContain('+    ports:\n+      - "127.0.0.1:18789:18789"');
    expect(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    expect(r.fix?.commands).toEqual(['docker compose -f /srv/openclaw/compose.yaml up -d openclaw-gateway']);
    expect(fixOf(r)).not.toMatch(/0\.0\.0\.0:18789|"18789:18789"/);
  });

  it('the gateway port already held on the host: publishes on a free host port instead', () => {
    const r = diagnose(
      dockerPublish,
      compose(
        withSockets(tcpListener('127.0.0.1', 18789, 4242, 'openclaw-gatewa')),
        withContainers(gateway()),
        withComposeFile('/srv/openclaw/compose.yaml', COMPOSE),
      ),
    );
    expect(r.fix?.diff).toContain('+      - "127.0.0.1:19789:18789"');
    expect(r.fix?.text).toContain('Port 18789 is already held on this host, so the host side is 19789.');
  });

  it('compose labels naming a file that was not read: says which file and how to get the diff', () => {
    const labels = { 'com.docker.compose.service': 'gateway', 'com.docker.compose.project.config_files': '/opt/oc/docker-compose.yml' };
    const r = diagnose(dockerPublish, withContainers(gateway({ labels })));
    expect(r.fix?.text).toContain('In /opt/oc/docker-compose.yml, service gateway: add "127.0.0.1:18789:18789"');
    expect(r.fix?.commands).toEqual(['clawmoat doctor docker-publish --compose /opt/oc/docker-compose.yml']);
  });

  it('published on 127.0.0.1: not this cause', () => {
    const r = diagnose(dockerPublish, withContainers(gateway({ ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '18789' }] })));
    expect(r.status).toBe('ok');
    expect(r.cause).toContain('http://127.0.0.1:18789/');
  });

  it("published on a LAN address only: the host's 127.0.0.1 does not reach it", () => {
    const r = diagnose(
      dockerPublish,
      withContainers(gateway({ ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '192.168.1.10', hostPort: '18789' }] })),
    );
    expect(r.status).toBe('problem');
    expect(r.cause).toContain('only on 192.168.1.10, not on 127.0.0.1');
  });

  it('no container, a compose service without ports: problem from the file, with the diff', () => {
    const r = diagnose(dockerPublish, withComposeFile('/srv/openclaw/compose.yaml', COMPOSE));
    expect(r.status).toBe('problem');
    expect(r.saw[0]).toMatchObject({
      text: 'service openclaw-gateway in /srv/openclaw/compose.yaml:3: no ports',
      location: { file: '/srv/openclaw/compose.yaml', line: 3 },
    });
    expect(r.fix?.diff).toContain('+      - "127.0.0.1:18789:18789"');
  });

  it('Docker not reachable and no compose file: unknown with the reason', () => {
    const r = diagnose(dockerPublish);
    expect(r).toMatchObject({ status: 'unknown', cause: 'Docker was not checked: Docker is not running' });
  });
});

describe('docker-publish: host words in its commands are single shell words', () => {
  it('a compose file path from the container labels', () => {
    const labels = { 'com.docker.compose.service': 'gateway', 'com.docker.compose.project.config_files': '/opt/x$(touch /tmp/pwned)/docker-compose.yml' };
    const r = diagnose(dockerPublish, withContainers(gateway({ labels })));
    expect(r.fix?.commands).toEqual(["clawmoat doctor docker-publish --compose '/opt/x$(touch /tmp/pwned)/docker-compose.yml'"]);
  });

  it('the image and network of a container without compose labels', () => {
    const r = diagnose(
      dockerPublish,
      withContainers(gateway({ image: 'evil`id`;rm -rf ~', networkMode: 'n$(id)', networks: [{ name: 'n$(id)', ipAddress: '172.18.0.2' }] })),
    );
    expect(r.fix?.commands).toEqual([
      'docker rm -f openclaw-gateway',
      "docker run -d --name openclaw-gateway --network 'n$(id)' -p 127.0.0.1:18789:18789 'evil`id`;rm -rf ~' …",
    ]);
  });

  it('a word that cannot be shown on one line leaves its command out', () => {
    const r = diagnose(dockerPublish, withContainers(gateway({ image: 'img\nrm -rf /' })));
    expect(r.fix?.commands).toEqual(['docker rm -f openclaw-gateway']);
  });
});
