import { describe, expect, it } from 'vitest';
import { containerDoors } from '../../../src/collect/doors/containers.js';
import { buildContext } from '../../../src/model/context.js';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { runChecks } from '../../../src/checks/run.js';
import { baselineSnapshot, compose, tcpListener, withContainers, withDoors, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';
import type { DockerContainer } from '../../../src/snapshot/types.js';
import { predictor } from '../../../src/probe/predict.js';
import { socatDoor } from '../../../src/collect/doors/forwarders.js';

/** Doors in containers, from the Engine API's view of them (the system test runs a real one in dockerd). */

function container(c: Partial<DockerContainer>): DockerContainer {
  return {
    id: 'b'.repeat(64),
    name: 'openclaw',
    image: 'ghcr.io/openclaw/openclaw:latest',
    state: 'running',
    networkMode: 'openclaw-net',
    ports: [],
    networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
    mounts: [],
    labels: {},
    command: ['node', 'dist/index.js', 'gateway'],
    env: [],
    ...c,
  };
}

const GATEWAY = container({});
const EDGE = container({
  name: 'edge',
  image: 'alpine/socat',
  command: ['socat', 'TCP-LISTEN:8443,fork,reuseaddr', 'TCP:openclaw:18789'],
  networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.3' }],
  ports: [{ containerPort: 8443, protocol: 'tcp', hostIp: '', hostPort: '443' }],
});

describe('doors in containers', () => {
  it('a socat container published on the host, to the gateway container by name on their network', () => {
    expect(containerDoors([GATEWAY, EDGE])).toEqual([
      expect.objectContaining({
        kind: 'socat',
        publishedBy: 'edge',
        container: 'openclaw',
        listen: [{ address: '0.0.0.0', port: 443 }],
        upstream: { host: '172.18.0.2', port: 18789 },
        via: 'socat TCP-LISTEN:8443,fork,reuseaddr TCP:openclaw:18789 (in container edge)',
      }),
    ]);
    // Not published, or not running: not a door of this host.
    expect(containerDoors([GATEWAY, { ...EDGE, ports: [] }])).toEqual([]);
    expect(containerDoors([GATEWAY, { ...EDGE, state: 'exited' }])).toEqual([]);
  });

  it('a Traefik container configured by flags, routing by the labels of the gateway container', () => {
    const traefik = container({
      name: 'proxy',
      image: 'traefik:v3.1',
      command: ['--providers.docker=true', '--providers.docker.exposedbydefault=false', '--entrypoints.websecure.address=:443'],
      networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.4' }],
      ports: [{ containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '443' }],
    });
    const gateway = { ...GATEWAY, labels: { 'traefik.enable': 'true', 'traefik.http.services.gw.loadbalancer.server.port': '18789' } };
    expect(containerDoors([gateway, traefik])).toEqual([
      expect.objectContaining({
        kind: 'traefik',
        publishedBy: 'proxy',
        container: 'openclaw',
        listen: [{ address: '0.0.0.0', port: 443 }],
        upstream: { host: '172.18.0.2', port: 18789 },
      }),
    ]);
  });

  it("the published port is the door's row: a gateway container behind it fails exposure.internet", () => {
    const snapshot = compose(
      // The gateway's process, as the host's /proc shows it (it runs in the container's namespaces).
      withGatewayProcess(8, ['openclaw-gateway']),
      withContainers(GATEWAY, EDGE),
      withSockets(tcpListener('0.0.0.0', 443, 90, 'docker-proxy')),
      withDoors(containerDoors([GATEWAY, EDGE])),
    )(baselineSnapshot());
    const ctx = buildContext(snapshot);
    const cell = ctx.reach().cells.find((c) => c.listener.port === 443 && c.zone.kind === 'internet');
    expect(cell?.listener).toMatchObject({ gateway: true, door: { kind: 'socat' } });
    expect(cell?.verdict).toBe('open');
    const { checks, findings } = runChecks(ctx, [CHECKS.find((c) => c.meta.id === 'exposure.internet')!]);
    expect(checks[0]!.result).toBe('fail');
    expect(JSON.stringify(findings)).toContain("the gateway's port in container openclaw");
  });

  it("a published port no socket shows (dockerd's DNAT alone carries it) is still the door's row: the gateway fails exposure.internet", () => {
    const snapshot = compose(
      withGatewayProcess(8, ['openclaw-gateway']),
      withContainers(GATEWAY, EDGE),
      withDoors(containerDoors([GATEWAY, EDGE])),
    )(baselineSnapshot());
    const ctx = buildContext(snapshot);
    const cell = ctx.reach().cells.find((c) => c.listener.port === 443 && c.zone.kind === 'internet');
    expect(cell?.listener).toMatchObject({ address: '0.0.0.0', process: 'docker (edge, published)', gateway: true, door: { kind: 'socat' } });
    expect(cell?.verdict).toBe('open');
    const { checks } = runChecks(ctx, [CHECKS.find((c) => c.meta.id === 'exposure.internet')!]);
    expect(checks[0]!.result).toBe('fail');
    // The probe's predictions see the same listener.
    expect(predictor(ctx)('198.51.100.10', 443, { kind: 'client', source: '203.0.113.5' })).toMatchObject({ verdict: 'open' });
  });

  it('a host door in front of a door container no socket shows leads on through it to the gateway container', () => {
    const edge = { ...EDGE, ports: [{ containerPort: 8443, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: '8443' }] };
    const front = socatDoor(['socat', 'TCP-LISTEN:9000,fork', 'TCP:127.0.0.1:8443'], 77)!;
    const snapshot = compose(
      withGatewayProcess(8, ['openclaw-gateway']),
      withContainers(GATEWAY, edge),
      withSockets(tcpListener('0.0.0.0', 9000, 77, 'socat')),
      withDoors([...containerDoors([GATEWAY, edge]), front]),
    )(baselineSnapshot());
    const ctx = buildContext(snapshot);
    const cell = ctx.reach().cells.find((c) => c.listener.port === 9000 && c.zone.kind === 'internet');
    expect(cell).toMatchObject({ verdict: 'open', listener: { gateway: true, door: { kind: 'socat', chain: [{ kind: 'socat' }] } } });
    expect(runChecks(ctx, [CHECKS.find((c) => c.meta.id === 'exposure.internet')!]).checks[0]!.result).toBe('fail');
  });

  it('a container that is not a door adds no row for its published port', () => {
    const other = container({ name: 'web', image: 'nginx', command: ['nginx'], ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: '8080' }] });
    const snapshot = compose(withGatewayProcess(8, ['openclaw-gateway']), withContainers(GATEWAY, other))(baselineSnapshot());
    expect(
      buildContext(snapshot)
        .reach()
        .cells.filter((c) => c.listener.port === 8080),
    ).toEqual([]);
  });
});
