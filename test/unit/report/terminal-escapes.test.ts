import { describe, expect, it } from 'vitest';
import { fileDiff } from '../../../src/harden/plan/file-diff.js';
import type { Plan } from '../../../src/harden/types.js';
import { buildContext } from '../../../src/model/context.js';
import { driftLines } from '../../../src/report/drift.js';
import { renderPlan } from '../../../src/report/harden.js';
import { renderProbeReport } from '../../../src/report/probe.js';
import { renderReachExplanation, renderReachMatrix } from '../../../src/report/reach.js';
import { baselineSnapshot, compose, tcpListener, withInterface, withSockets } from '../../fixtures/builders/snapshot.js';
import { gatewayFingerprint, probeReport, probeResult } from '../../fixtures/builders/probe.js';

/**
 * Review 2, findings 8 and 9: the harden plan (read by root before saying yes), `reach` and
 * `probe` print host- and server-chosen strings to a terminal. No control character of theirs may
 * reach it: an ESC could erase the lockout verdict or retitle the window.
 */
const ESC = '\u001b';
const ATTACK = `${ESC}[1A${ESC}[2K${ESC}]0;pwned\u0007\u202e`;

function expectNoRawControls(out: string): void {
  // Newlines are the renderer's own; anything else below 0x20, DEL, C1 or a bidi override is the host's.
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
}

describe('terminal output escapes host strings (review 2, findings 8 and 9)', () => {
  it("the harden plan shows the gateway user's file lines, paths, argv and notes escaped", () => {
    const path = `/home/u/.openclaw/openclaw.json${ATTACK}`;
    const before = `{\n  // ${ATTACK}lockout check: safe\n  gateway: { bind: "lan" },\n}\n`;
    const diff = fileDiff(path, before, before.replace('"lan"', '"loopback"'));
    const plan = {
      steps: [
        {
          kind: 'file',
          id: 'gateway.bind',
          finding: 'gateway.bind.public',
          guide: 'g',
          description: `bind ${ATTACK}`,
          path,
          diff,
          undo: `restore ${path}`,
          at: [{ file: path, line: 3 }],
        },
        {
          kind: 'command',
          id: 'x',
          finding: 'f',
          guide: 'g',
          description: 'd',
          argv: ['systemctl', 'restart', `gw${ATTACK}`],
          undo: 'u',
          dryRun: `out ${ATTACK}`,
        },
      ],
      notes: [`note ${ATTACK}`],
      restart: `systemctl --user restart gw${ATTACK}`,
      lockout: { status: 'refused', reason: `r ${ATTACK}`, paths: [`p ${ATTACK}`] },
    } as unknown as Plan;
    for (const color of [false, true]) {
      const out = renderPlan(plan, { color });
      if (!color) expectNoRawControls(out);
      // With colour on, the only ESCs are picocolors' SGR codes, never the file's.
      else expect(out.replace(/\u001b\[\d+m/g, '')).not.toContain(ESC);
      expect(out).toContain('\\x1b[2K');
    }
  });

  it('probe text escapes a server-chosen close reason, version, error and a local process name', () => {
    const fp = gatewayFingerprint('enforced');
    fp.evidence.push(`WebSocket connect → close 1008 "${ATTACK}all clear"`);
    fp.version = `2026.1.1${ATTACK}`;
    const report = probeReport(probeResult({ address: '198.51.100.10', port: 18789, openclaw: fp, listener: { process: `node${ATTACK}` } as never }));
    report.notes.push(`n ${ATTACK}`);
    report.errors.push({ vantage: `v${ATTACK}`, message: `m ${ATTACK}` } as never);
    const out = renderProbeReport(report, { color: false });
    expectNoRawControls(out);
    expect(out).toContain('\\x1b]0;pwned\\x07');
  });

  it('reach escapes a hostile interface name in the header, the zone lines, limitations and explanations', () => {
    const snapshot = compose(withInterface(`eth1${ATTACK}`, '203.0.113.5', 24, 'default'), withSockets(tcpListener('0.0.0.0', 18789)))(baselineSnapshot());
    const matrix = buildContext(snapshot).reach();
    matrix.limitations.push(`tailscale status: ${ATTACK}`);
    expect(matrix.zones.some((z) => z.interface.includes(ESC))).toBe(true);
    const out = renderReachMatrix(matrix) + renderReachExplanation(matrix.cells);
    expectNoRawControls(out);
    expect(out).toContain('eth1\\x1b[1A');
  });

  it('drift lines escape host-chosen messages and listeners', () => {
    const f = { id: 'x', severity: 'warn', status: 'fail', message: `m ${ATTACK}` } as never;
    const out = driftLines({
      baseline: { source: `b${ATTACK}` },
      new: [f],
      resolved: [],
      changed: [],
      opened: [{ listener: `tcp 0.0.0.0:1 node${ATTACK}`, zone: 'internet', gateway: false } as never],
      closed: [],
      limitations: [`l ${ATTACK}`],
    }).join('\n');
    expectNoRawControls(out);
  });
});
