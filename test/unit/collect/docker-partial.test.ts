import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDocker } from '../../../src/collect/docker.js';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { buildContext } from '../../../src/model/context.js';
import { runChecks } from '../../../src/checks/run.js';
import { CHECKS } from '../../../src/checks/catalogue.js';
import type { DockerState, Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot, compose, tcpListener, withSockets } from '../../fixtures/builders/snapshot.js';
import { hostRecording } from './recording.js';

/**
 * A Docker daemon that lists two containers and fails to inspect one of them (a 500, as a busy or
 * half-broken daemon answers, or a 404 for one recreated between list and inspect), and fails /networks.
 * A partial read must never look like a complete host without that container.
 */
const DB_INSPECT = {
  Id: 'bbb',
  Name: '/db',
  Config: { Image: 'postgres:16', Env: [], Cmd: ['postgres'] },
  State: { Status: 'running' },
  HostConfig: { NetworkMode: 'bridge' },
  NetworkSettings: { Ports: {}, Networks: {} },
};
const ANSWERS: Record<string, [number, unknown]> = {
  '/version': [200, { Version: '27.3.1', ApiVersion: '1.47' }],
  '/containers/json?all=1': [
    200,
    [
      { Id: 'aaa', Names: ['/openclaw'] },
      { Id: 'bbb', Names: ['/db'] },
    ],
  ],
  '/networks': [500, { message: 'daemon busy' }],
  '/containers/aaa/json': [500, { message: 'context deadline exceeded' }],
  '/containers/bbb/json': [200, DB_INSPECT],
};

/** The gateway container's published port (docker-proxy on 0.0.0.0:8080): what a check must not pass on. */
function auditOf(docker: Snapshot['docker']) {
  const snapshot = compose(withSockets(tcpListener('0.0.0.0', 8080, 900, 'docker-proxy')))({ ...baselineSnapshot(), docker });
  const ctx = buildContext(snapshot);
  const check = CHECKS.find((c) => c.meta.id === 'docker.publish.public')!;
  return { ctx, finding: runChecks(ctx, [check]) };
}

function expectPartial(docker: Snapshot['docker']) {
  expect(docker.status).toBe('ok');
  const state = (docker as { data: DockerState }).data;
  expect(state.containers.map((c) => c.name)).toEqual(['db']);
  expect(state.uninspected).toEqual([{ id: 'aaa', name: 'openclaw', detail: expect.stringContaining('/containers/aaa/json answered 500') as string }]);
  expect(state.networksUnread).toContain('/networks answered 500');
  const { ctx, finding } = auditOf(docker);
  expect(ctx.inputs.docker.map((p) => p.detail)).toEqual([
    expect.stringContaining('container openclaw (aaa) could not be inspected') as string,
    expect.stringContaining("Docker's networks could not be read") as string,
  ]);
  // docker.publish.public said "pass: no gateway container" on this host before.
  expect(finding.checks[0]?.result).toBe('unknown');
}

describe('Docker: a container whose inspect fails', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clawmoat-docker-'));
    server = createServer((req, res) => {
      const [status, body] = ANSWERS[req.url ?? ''] ?? [404, { message: 'page not found' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('is named in the snapshot and makes docker.publish.public unknown (the Node collector)', async () => {
    const docker = await collectDocker(new SecretVault(), { DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` });
    expectPartial(docker);
  });

  it('is named in the snapshot and makes docker.publish.public unknown (the collection script)', async () => {
    const records: [string, string, string, string][] = Object.entries(ANSWERS).map(([path, [status, body]]) => [
      'docker',
      String(status),
      path,
      JSON.stringify(body),
    ]);
    const snapshot = await collectFromScriptOutput(hostRecording([], { docker: records }), 'vps1.out');
    expectPartial(snapshot.docker);
  });
});
