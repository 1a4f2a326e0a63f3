import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { buildContext } from '../../../src/model/context.js';
import { baselineSnapshot, compose, tcpListener, withInterface, withIptables, withSockets } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';

/**
 * A damaged ruleset in a snapshot (a dump cut off, a hand-edited line) must not give a clean,
 * confident matrix: reach and audit name the file, the line and what to do. A rule whose own
 * line is damaged is `unknown` wherever it decides a cell.
 */

const FULL = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':FORWARD DROP [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  '-A INPUT -i lo -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

function host(v4: string): Snapshot {
  return compose(
    withInterface('eth0', '198.51.100.10', 24, 'default'),
    withIptables(v4),
    withSockets(tcpListener('0.0.0.0', 22, 100, 'sshd'), tcpListener('0.0.0.0', 18789, 200)),
  )(baselineSnapshot());
}

describe('a damaged ruleset', () => {
  it('is not mentioned when the dump is whole', () => {
    const matrix = buildContext(host(FULL)).reach();
    expect(matrix.limitations).toEqual([]);
    expect(auditSnapshot(host(FULL)).limitations.filter((l) => l.includes('ruleset'))).toEqual([]);
  });

  it('cut off before COMMIT: reach and audit name the file and line, and say what to do', () => {
    const cut = FULL.slice(0, FULL.indexOf('COMMIT'));
    const matrix = buildContext(host(cut)).reach();
    expect(matrix.limitations[0]).toMatch(/^firewall ruleset: iptables-save:6: table filter \(line 1\) has no COMMIT before the end of the input/);
    expect(matrix.limitations.at(-1)).toMatch(/collect the snapshot again/);
    const audit = auditSnapshot(host(cut));
    expect(audit.limitations).toEqual(expect.arrayContaining(matrix.limitations));
  });

  it('with many bad lines: the first five, and a count of the rest', () => {
    const junk = Array.from({ length: 8 }, (_, i) => `bogus line ${i}`);
    const text = FULL.replace('COMMIT', [...junk, 'COMMIT'].join('\n'));
    const { limitations } = buildContext(host(text)).reach();
    expect(limitations.filter((l) => l.includes('unrecognised line'))).toHaveLength(5);
    expect(limitations).toContain('firewall ruleset: 3 more problem(s) of this kind');
  });

  it('a damaged rule line makes the cells it decides unknown, naming its line', () => {
    const text = FULL.replace('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT --comment "cut');
    const cell = buildContext(host(text))
      .reach()
      .cells.find((c) => c.listener.port === 22 && c.zone.kind === 'internet');
    expect(cell?.verdict).toBe('unknown');
    expect(JSON.stringify(cell)).toMatch(/line 6/);
  });
});
