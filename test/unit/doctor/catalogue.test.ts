import { describe, expect, it } from 'vitest';
import { SYMPTOM_IDS, SYMPTOM_META } from '../../../src/doctor/catalogue.js';
import { findSymptom, runDoctor, SYMPTOMS } from '../../../src/doctor/index.js';
import { renderDoctor } from '../../../src/doctor/render.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withComposeFile,
  withContainers,
  withGatewayProcess,
  withSockets,
  withSshd,
  withUfw,
} from '../../fixtures/builders/snapshot.js';
import { loopbackGateway } from './helpers.js';

/** A host with all four problems at once, a redacted token in the gateway's argv and in its compose file. */
const everything = compose(
  loopbackGateway(),
  withGatewayProcess(
    4243,
    ['openclaw', 'gateway', '--token', '[REDACTED]'],
    { OPENCLAW_GATEWAY_TOKEN: '[REDACTED]' },
    { token: { $redacted: true, length: 64, from: 'argv:--token' } },
  ),
  withSshd({ port: ['22'] }),
  withSockets(tcpListener('0.0.0.0', 22, 700, 'sshd')),
  withUfw(false, ''),
  withContainers(
    { name: 'openclaw-gateway', networks: [{ name: 'openclaw-net' }], networkMode: 'openclaw-net' },
    { name: 'agent-worker', image: 'busybox', networks: [{ name: 'tools-net' }], networkMode: 'tools-net' },
  ),
  withComposeFile('/srv/compose.yaml', 'services:\n  openclaw-gateway:\n    image: openclaw\n    environment:\n      OPENCLAW_GATEWAY_TOKEN: "[REDACTED]"\n'),
);

describe('the symptom catalogue', () => {
  it('lists every symptom with the metadata its diagnosis carries, in the same order (help and name lookup read only the catalogue)', () => {
    expect(SYMPTOMS.map((s) => s.meta.id)).toEqual(SYMPTOM_IDS);
    for (const s of SYMPTOMS) expect(s.meta).toBe(SYMPTOM_META[s.meta.id as keyof typeof SYMPTOM_META]);
    expect(findSymptom(' UFW ')?.meta.id).toBe('ufw-lockout');
    expect(findSymptom('no-such-symptom')).toBeUndefined();
  });

  it('has the four symptoms of the guide and the doors one, with unique ids and aliases', () => {
    expect(SYMPTOMS.map((s) => s.meta.id)).toEqual(['remote-access', 'ufw-lockout', 'container-network', 'docker-publish', 'internet-exposure']);
    const names = SYMPTOMS.flatMap((s) => [s.meta.id, ...s.meta.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SYMPTOMS) expect(s.meta.question).not.toBe('');
  });

  it('finds a symptom by id or alias, case-insensitively', () => {
    expect(findSymptom('ufw')?.meta.id).toBe('ufw-lockout');
    expect(findSymptom('Lockout')?.meta.id).toBe('ufw-lockout');
    expect(findSymptom('publish')?.meta.id).toBe('docker-publish');
    expect(findSymptom('container')?.meta.id).toBe('container-network');
    expect(findSymptom('remote')?.meta.id).toBe('remote-access');
    expect(findSymptom('nonsense')).toBeUndefined();
  });

  it('diagnoses all four problems on one host; no fix binds to 0.0.0.0', () => {
    const report = runDoctor(everything(baselineSnapshot()));
    expect(report.results.map((r) => [r.id, r.status])).toEqual([
      ['remote-access', 'problem'],
      ['ufw-lockout', 'problem'],
      ['container-network', 'problem'],
      ['docker-publish', 'problem'],
      ['internet-exposure', 'ok'],
    ]);
    expect(report.summary).toEqual({ problem: 4, ok: 1, unknown: 0 });
    for (const r of report.results) {
      const fix = [...(r.fix?.commands ?? []), r.fix?.diff ?? ''].join('\n');
      expect(fix, r.id).not.toMatch(/0\.0\.0\.0|--bind (lan|all)|bind: "?lan/);
    }
  });

  it('the text rendering: every result, its cause, what it saw, the fix; no colour codes when colour is off', () => {
    const text = renderDoctor(runDoctor(everything(baselineSnapshot())), { color: false });
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toContain('✖ Locked out after enabling UFW (ufw-lockout)');
    expect(text).toContain('  cause: UFW is not enabled yet');
    expect(text).toContain('    $ sudo ufw allow 22/tcp');
    expect(text).toContain('    +    ports:');
    // A location the evidence already names is not repeated after it.
    expect(text).toContain('    - bind "loopback" from gateway.bind in /home/u/.openclaw/openclaw.json:3\n');
    expect(text).toMatch(/4 problems found, 1 not the cause here, 0 not checked\.\n$/);
    expect(renderDoctor(runDoctor(everything(baselineSnapshot())), { color: true })).toMatch(/\x1b\[31m✖/);
  });
});
