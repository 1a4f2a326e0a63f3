import { describe, expect, it } from 'vitest';
import { planCompose } from '../../../../src/harden/plan/compose-steps.js';
import { buildContext } from '../../../../src/model/context.js';
import { baselineSnapshot, compose, withComposeFile, withContainers } from '../../../fixtures/builders/snapshot.js';
import { auditSnapshot } from '../../../../src/audit.js';

describe('planCompose: a gateway container without a compose file', () => {
  it('gives the docker run flags that keep each host port, on 127.0.0.1 only', () => {
    const snapshot = compose(
      withContainers({
        name: 'openclaw-gateway',
        networkMode: 'openclaw-net',
        networks: [{ name: 'openclaw-net', ipAddress: '172.18.0.2' }],
        ports: [
          { containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '8080' },
          { containerPort: 18789, protocol: 'tcp', hostIp: '::', hostPort: '8080' },
          { containerPort: 18790, protocol: 'udp', hostIp: '0.0.0.0', hostPort: '18790' },
          { containerPort: 18791, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: '18791' },
        ],
      }),
    )(baselineSnapshot());
    const findings = auditSnapshot(snapshot).findings.filter((f) => f.id === 'docker.publish.public');
    const { steps, notes } = planCompose(buildContext(snapshot), findings, { noPublish: false, readFile: () => undefined });
    expect(steps).toEqual([]);
    expect(notes.join('\n')).toMatch(/docker run … -p 127\.0\.0\.1:8080:18789 -p 127\.0\.0\.1:18790:18790\/udp\)/);
  });
});

describe('planCompose fixes what the check reports, by the same predicate', () => {
  const FILE = '/srv/openclaw/compose.yaml';
  const TEXT = [
    'services:',
    '  openclaw-gateway:',
    '    image: openclaw:latest',
    '    volumes:',
    '      - /srv/socket-proxy/api.sock:/var/run/docker.sock',
    '      - ./data:/data',
    '',
  ].join('\n');

  it('removes a socket mounted only by its target (the check flags source or target)', () => {
    const ctx = buildContext(withComposeFile(FILE, TEXT)(baselineSnapshot()));
    const report = auditSnapshot(ctx.snapshot);
    expect(report.findings.map((f) => f.id)).toContain('docker.socket_mounted');
    const fixes = report.findings.filter((f) => f.id === 'docker.socket_mounted').flatMap((f) => f.fixes ?? []);
    expect(fixes).toEqual([
      {
        kind: 'docker.drop-socket-mount',
        workload: { kind: 'compose', label: `service openclaw-gateway in ${FILE}` },
        mounts: [expect.objectContaining({ target: '/var/run/docker.sock' })],
      },
    ]);
    // The planner acts on the intent, not on the finding id: a finding of another name with the same intent plans the same step.
    const renamed = report.findings.filter((f) => f.id === 'docker.socket_mounted').map((f) => ({ ...f, id: 'some.other_check' }));
    const { steps } = planCompose(ctx, renamed, { noPublish: false, readFile: (p) => (p === FILE ? TEXT : undefined) });
    expect(steps.map((s) => s.id)).toEqual(['compose.openclaw-gateway']);
    const after = steps[0]!.kind === 'file' ? steps[0]!.content! : '';
    expect(after).not.toContain('docker.sock');
    expect(after).toContain('./data:/data');
  });
});
