import { describe, expect, it } from 'vitest';
import { containerFromInspect, dockerSocketPath, networkFromInspect } from '../../../src/collect/docker.js';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';

describe('docker inspect → snapshot', () => {
  it.skipIf(!corpusAvailable)(
    `maps real containers (corpus ufw-docker/ufwplain-docker20.1-containers.docker-inspect.json) ${corpusAvailable ? '' : CORPUS_SKIP_REASON}`,
    () => {
      const inspected = JSON.parse(corpusFile('ufw-docker', 'ufwplain-docker20.1-containers.docker-inspect.json')) as unknown[];
      const containers = inspected.map((c) => containerFromInspect(c as never));
      const web = containers.find((c) => c.name === 'web')!;
      expect(web.ports).toContainEqual({ containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '8080' });
      const db = containers.find((c) => c.name === 'db')!;
      expect(db.ports.every((p) => p.hostIp === '127.0.0.1')).toBe(true);
      const api = containers.find((c) => c.name === 'api')!;
      expect(api.networks.map((n) => n.name)).toEqual(['appnet']);
      expect(api.ports).toContainEqual({ containerPort: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: '5353' });
    },
  );

  it.skipIf(!corpusAvailable)('maps real networks with their bridge names', () => {
    const networks = (JSON.parse(corpusFile('ufw-docker', 'ufwplain-docker20.1-containers.docker-network-inspect.json')) as unknown[]).map((n) =>
      networkFromInspect(n as never),
    );
    expect(networks.find((n) => n.name === 'bridge')?.bridgeName).toBe('docker0');
    expect(networks.find((n) => n.name === 'appnet')).toMatchObject({ bridgeName: 'br-app', subnets: ['172.20.0.0/16'] });
    expect(networks.find((n) => n.name === 'internalnet')?.internal).toBe(true);
  });

  it('redacts secrets in container env and command', () => {
    const vault = new SecretVault();
    const c = containerFromInspect(
      {
        Id: 'x',
        Name: '/gw',
        Config: { Env: ['OPENCLAW_GATEWAY_TOKEN=abcdefabcdef123456', 'TZ=UTC'], Cmd: ['openclaw', 'gateway', '--token', 'abcdefabcdef123456'] },
      },
      vault,
    );
    expect(c.env).toEqual(['OPENCLAW_GATEWAY_TOKEN=[REDACTED]', 'TZ=UTC']);
    expect(c.command).toEqual(['openclaw', 'gateway', '--token', '[REDACTED]']);
    expect(c.name).toBe('gw');
  });

  it('honours DOCKER_HOST and refuses non-unix endpoints with a reason', () => {
    expect(dockerSocketPath({})).toEqual({ status: 'ok', data: '/var/run/docker.sock' });
    expect(dockerSocketPath({ DOCKER_HOST: 'unix:///tmp/d/docker.sock' })).toEqual({ status: 'ok', data: '/tmp/d/docker.sock' });
    expect(dockerSocketPath({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toMatchObject({ status: 'unavailable', reason: 'error' });
  });
});
