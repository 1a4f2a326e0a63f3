import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/doctor/index.js';
import { baselineSnapshot, compose, withComposeFile, withContainers, withSshd, withUfw } from '../../fixtures/builders/snapshot.js';
import { loopbackGateway } from './helpers.js';

const schema = JSON.parse(readFileSync(new URL('../../../schema/doctor.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('schema/doctor.schema.json', () => {
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it('accepts what doctor prints: problems with commands and a diff, ok, unknown', () => {
    const reports = [
      runDoctor(baselineSnapshot()),
      runDoctor(
        compose(
          loopbackGateway(),
          withSshd({ port: ['22'] }),
          withUfw(false, ''),
          withContainers({ name: 'openclaw-gateway' }),
          withComposeFile('/srv/c.yaml', 'services:\n  openclaw-gateway:\n    image: x\n'),
        )(baselineSnapshot()),
      ),
    ];
    for (const report of reports) {
      const json = JSON.parse(JSON.stringify(report)) as unknown;
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects a result with a status it does not know', () => {
    const report = JSON.parse(JSON.stringify(runDoctor(baselineSnapshot()))) as { results: { status: string }[] };
    report.results[0]!.status = 'maybe';
    expect(validate(report)).toBe(false);
  });
});
