import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS, generateSchemas } from '../../../scripts/generate-schemas.mjs';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withComposeFile,
  withConfig,
  withContainers,
  withGatewayProcess,
  withIptables,
  withSockets,
  withSshd,
  withUfw,
} from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import type { Report } from '../../../src/report/types.js';
import { sampleReport } from './sample.js';
import { gatewayFingerprint, probeReport, probeResult } from '../../fixtures/builders/probe.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function loadSchema(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
}

function compile(path: string): ValidateFunction {
  // Ajv's strict mode stays on: an unknown keyword in a generated schema is a generator problem to see.
  const ajv = new Ajv({ allErrors: true });
  return ajv.compile(loadSchema(path));
}

function errorsOf(validate: ValidateFunction, value: unknown): string {
  validate(value);
  return JSON.stringify(validate.errors ?? [], null, 2);
}

describe('published schemas', () => {
  it('are up to date with the TypeScript types (run: node scripts/generate-schemas.mjs)', () => {
    const generated = generateSchemas(ROOT);
    expect(Object.keys(generated).sort()).toEqual(SCHEMAS.map((s) => s.output).sort());
    for (const [path, content] of Object.entries(generated)) {
      expect(readFileSync(join(ROOT, path), 'utf8'), `${path} is stale`).toBe(content);
    }
  });

  it('do not depend on where the repository is checked out', () => {
    for (const path of SCHEMAS.map((s) => s.output)) {
      const text = readFileSync(join(ROOT, path), 'utf8');
      expect(text).not.toMatch(/def-interface|alias-\d|structure-\d/);
      expect(text).not.toContain(ROOT);
    }
  });
});

describe('snapshot.schema.json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compile('schema/snapshot.schema.json');
  });

  const variants: [string, () => Snapshot][] = [
    ['baseline', () => baselineSnapshot()],
    [
      'gateway on 0.0.0.0 with config, process flags and a redacted token',
      () =>
        compose(
          withSockets(tcpListener('0.0.0.0', 18789, 4242), tcpListener('::', 18791, 4242)),
          withGatewayProcess(
            4242,
            ['node', 'openclaw', 'gateway', 'run', '--bind', 'lan'],
            { OPENCLAW_GATEWAY_PORT: '18789' },
            {
              bind: 'lan',
              token: { $redacted: true, length: 32, from: 'argv:--token' },
            },
          ),
          withConfig({ gateway: { bind: 'loopback', auth: { token: { $redacted: true, length: 12 } } } }, { 'gateway.bind': 3 }),
        )(baselineSnapshot()),
    ],
    [
      'firewall, docker, compose and sshd',
      () =>
        compose(
          withIptables('*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n'),
          withUfw(true, '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n'),
          withContainers({ ports: [{ containerPort: 18789, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '18789' }] }),
          withComposeFile('/srv/openclaw/compose.yml', 'services:\n  gw:\n    ports: ["18789:18789"]\n', { PORT: '18789' }),
          withSshd({ passwordauthentication: ['yes'], port: ['22', '2222'] }),
        )(baselineSnapshot()),
    ],
    [
      'an invalid OpenClaw config',
      () => {
        const s = baselineSnapshot();
        s.openclaw.config = {
          status: 'invalid',
          path: '/home/u/.openclaw/openclaw.json',
          resolvedBy: 'default',
          error: { file: '/home/u/.openclaw/openclaw.json', line: 4, column: 9, message: 'unexpected }' },
        };
        return s;
      },
    ],
  ];

  for (const [name, build] of variants) {
    it(`accepts the fixture: ${name}`, () => {
      const snapshot = build();
      expect(validate(snapshot), errorsOf(validate, snapshot)).toBe(true);
    });
  }

  it('rejects a source that is neither ok nor unavailable', () => {
    const snapshot = { ...baselineSnapshot(), sockets: { status: 'maybe', data: [] } };
    expect(validate(snapshot)).toBe(false);
  });

  it('rejects an unavailable source without a reason', () => {
    const snapshot = { ...baselineSnapshot(), docker: { status: 'unavailable', detail: 'x' } };
    expect(validate(snapshot)).toBe(false);
  });

  it('rejects a redacted secret that carries its value', () => {
    const snapshot = withGatewayProcess(1, ['openclaw'], {}, { token: { $redacted: true, length: 5, value: 'hunter' } as never })(baselineSnapshot());
    expect(validate(snapshot)).toBe(false);
  });
});

describe('report.schema.json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compile('schema/report.schema.json');
  });

  it('accepts the sample report', () => {
    const report = sampleReport();
    expect(validate(report), errorsOf(validate, report)).toBe(true);
  });

  it('accepts a report with no gateway and no findings', () => {
    const report: Report = {
      ...sampleReport(),
      gateway: { detected: false, detectedBy: [], ports: [], listeners: [] },
      checks: [],
      findings: [],
      summary: { pass: 0, fail: 0, unknown: 0, skipped: 0, critical: 0, warn: 0, info: 0 },
      limitations: [],
    };
    expect(validate(report), errorsOf(validate, report)).toBe(true);
  });

  it('rejects a finding with a severity outside info/warn/critical', () => {
    const report = sampleReport();
    (report.findings[0] as { severity: string }).severity = 'high';
    expect(validate(report)).toBe(false);
  });

  it('rejects a check result outside pass/fail/unknown/skipped', () => {
    const report = sampleReport();
    (report.checks[0] as { result: string }).result = 'error';
    expect(validate(report)).toBe(false);
  });

  it('requires the documented finding fields', () => {
    for (const field of ['id', 'severity', 'title', 'status', 'evidence', 'remediation']) {
      const report = sampleReport();
      delete (report.findings[0] as unknown as Record<string, unknown>)[field];
      expect(validate(report), `without ${field}`).toBe(false);
    }
  });
});

describe('schema/probe.schema.json', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compile('schema/probe.schema.json');
  });

  const sample = () =>
    probeReport(
      probeResult({
        address: '198.51.100.1',
        port: 18789,
        openclaw: gatewayFingerprint('enforced'),
        prediction: { zone: 'internet:eth0', reason: 'delivered to 0.0.0.0:18789', path: ['input ip filter INPUT: policy ACCEPT'] },
        listener: { address: 'tcp 0.0.0.0:18789', process: 'openclaw-gateway', gateway: true },
      }),
      probeResult({ address: '198.51.100.1', port: 9, observed: 'error', detail: 'no route to host', predicted: null }),
    );

  it('accepts a probe report', () => {
    const report = sample();
    expect(validate(report), errorsOf(validate, report)).toBe(true);
  });

  it('keeps the stable names required: results, vantage, address, port, observed, predicted, openclaw.{detected,version,auth}', () => {
    for (const field of ['vantage', 'address', 'port', 'observed', 'predicted', 'openclaw']) {
      const report = sample();
      delete (report.results[0] as unknown as Record<string, unknown>)[field];
      expect(validate(report), `without ${field}`).toBe(false);
    }
    for (const field of ['detected', 'version', 'auth']) {
      const report = sample();
      delete (report.results[0]!.openclaw as unknown as Record<string, unknown>)[field];
      expect(validate(report), `without openclaw.${field}`).toBe(false);
    }
  });

  it('rejects an auth posture outside enforced/none/open/unknown', () => {
    const report = sample();
    (report.results[0]!.openclaw as { auth: string }).auth = 'token';
    expect(validate(report)).toBe(false);
  });
});
