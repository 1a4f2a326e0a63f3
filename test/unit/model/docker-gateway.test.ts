import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../src/model/context.js';
import { baselineSnapshot, compose, tcpListener, withContainers, withSocat, withSockets } from '../../fixtures/builders/snapshot.js';

/**
 * A gateway container published on a host port that is not the gateway's (review 2, finding 4):
 * `8080:18789` puts the gateway on the host's 8080, with docker-proxy's socket there or without one.
 */

const on8080 = (state = 'running') =>
  withContainers({ name: 'openclaw-gateway', state, ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }] });

describe('a gateway container published on another host port', () => {
  it('is detected, its docker-proxy socket is a gateway listener, and the matrix has it open from the internet', () => {
    const ctx = buildContext(compose(on8080(), withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')))(baselineSnapshot()));
    expect(ctx.gateway.detected).toBe(true);
    expect(ctx.gateway.detectedBy).toEqual(['container openclaw-gateway']);
    expect(ctx.gateway.listeners.map((s) => `${s.address}:${s.port}`)).toEqual(['0.0.0.0:8080']);
    const cell = ctx.reach().cells.find((c) => c.listener.port === 8080 && c.zone.kind === 'internet');
    expect(cell).toMatchObject({ verdict: 'open', listener: { gateway: true } });
  });

  it('with the userland proxy off (no socket), dockerd publishes it all the same: a gateway row of its own', () => {
    const ctx = buildContext(on8080()(baselineSnapshot()));
    expect(ctx.gateway.detected).toBe(true);
    const cell = ctx.reach().cells.find((c) => c.listener.port === 8080 && c.zone.kind === 'internet');
    expect(cell).toMatchObject({ verdict: 'open', listener: { gateway: true } });
  });

  it('a door to the published port (socat on 0.0.0.0:443 to 127.0.0.1:8080) leads to the gateway', () => {
    const loopback = withContainers({
      name: 'openclaw-gateway',
      ports: [{ hostIp: '127.0.0.1', hostPort: '8080', containerPort: 18789, protocol: 'tcp' }],
    });
    const ctx = buildContext(compose(loopback, withSockets(tcpListener('127.0.0.1', 8080, 999, 'docker-proxy')), withSocat(9, 443, 8080))(baselineSnapshot()));
    const cell = ctx.reach().cells.find((c) => c.listener.port === 443 && c.zone.kind === 'internet');
    expect(cell).toMatchObject({ verdict: 'open', listener: { gateway: true } });
  });

  it('a stopped gateway container, and another container published on 8080, are neither a gateway nor its listener', () => {
    const stopped = buildContext(compose(on8080('exited'), withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')))(baselineSnapshot()));
    expect(stopped.gateway.detected).toBe(false);
    expect(stopped.gateway.listeners).toEqual([]);
    const web = buildContext(
      compose(
        withContainers({ name: 'web', image: 'nginx:1', ports: [{ hostIp: '0.0.0.0', hostPort: '8080', containerPort: 80, protocol: 'tcp' }] }),
        withSockets(tcpListener('0.0.0.0', 8080, 999, 'docker-proxy')),
      )(baselineSnapshot()),
    );
    expect(web.gateway.detected).toBe(false);
    expect(web.gateway.listeners).toEqual([]);
  });
});
