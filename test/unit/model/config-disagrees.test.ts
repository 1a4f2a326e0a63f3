import { describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { baselineSnapshot, compose, tcpListener, withConfig, withGatewayProcess, withSockets } from '../../fixtures/builders/snapshot.js';
import type { Snapshot } from '../../../src/snapshot/types.js';

/**
 * The config is read with one gateway process's environment (collect/openclaw.ts: the listening one).
 * When another listening gateway process would load another config, a config-based check cannot pass
 * on the one that was read: the runner makes it unknown, and the limitation names both processes.
 */
function host(disagree: number[] | undefined): Snapshot {
  const s = compose(
    withGatewayProcess(4242, ['openclaw-gateway', '--port', '18789']),
    withGatewayProcess(5151, ['openclaw-gateway', '--port', '18790']),
    withSockets(tcpListener('127.0.0.1', 18789, 4242), tcpListener('127.0.0.1', 18790, 5151)),
    withConfig({ gateway: { bind: 'loopback', auth: { mode: 'token', token: 'x'.repeat(48) } } }),
  )(baselineSnapshot());
  s.openclaw.configFor = { pid: 4242, listening: true };
  if (disagree) s.openclaw.configDisagrees = disagree;
  return s;
}

describe('gateway processes that disagree on their config', () => {
  it('a config-based check that would pass is unknown, and the limitation names the processes', () => {
    const agreeing = auditSnapshot(host(undefined));
    expect(agreeing.checks.find((c) => c.id === 'gateway.dangerous_flags')?.result).toBe('pass');

    const report = auditSnapshot(host([5151]));
    expect(report.checks.find((c) => c.id === 'gateway.dangerous_flags')?.result).toBe('unknown');
    expect(report.limitations).toContainEqual(
      expect.stringContaining(
        'gateway processes disagree on their config or flags: they were read from pid 4242 (holding a listening socket), and pid(s) 5151, also listening, run with another environment, home, directory or flags',
      ),
    );
  });
});
