import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseUfwStatusVerbose, parseUfwTuples, ufwPortCovers } from '../../../src/model/ufw.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectUfw, parseShellAssignments, shellAssignmentLines } from '../../../src/collect/ufw.js';
import { buildContext } from '../../../src/model/context.js';
import { CHECKS } from '../../../src/checks/catalogue.js';
import { baselineSnapshot } from '../../../src/snapshot/fixture.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../corpus.js';

describe('ufw tuples', () => {
  it.skipIf(!corpusAvailable)(`reads every rule of a real user.rules (corpus ufw/ufw-rich.user.rules) ${corpusAvailable ? '' : CORPUS_SKIP_REASON}`, () => {
    const text = corpusFile('ufw', 'ufw-rich.user.rules');
    const { rules, errors } = parseUfwTuples(text, '/etc/ufw/user.rules', false);
    expect(errors).toEqual([]);
    expect(rules.length).toBe(text.split('\n').filter((l) => l.startsWith('### tuple ###')).length);
    expect(rules[0]).toMatchObject({ action: 'deny', src: '203.0.113.7', comment: 'abusive host' });
    expect(rules.find((r) => r.action === 'limit')).toMatchObject({ dport: '22', protocol: 'tcp', comment: 'rate-limited ssh' });
    expect(rules.find((r) => r.inInterface === 'tailscale0')).toMatchObject({ action: 'allow', dport: 'any' });
    expect(rules.find((r) => r.application === 'WWW')).toMatchObject({ dport: '80' });
    expect(rules.find((r) => r.route && r.outInterface === 'docker0')).toMatchObject({ inInterface: 'eth0', dport: '443' });
    expect(rules.find((r) => r.log)).toMatchObject({ dport: '21' });
    expect(rules.find((r) => r.direction === 'out')).toMatchObject({ dport: '25' });
  });

  it('knows port specs', () => {
    expect(ufwPortCovers('18789', 18789)).toBe(true);
    expect(ufwPortCovers('9000:9100', 9050)).toBe(true);
    expect(ufwPortCovers('80,443', 443)).toBe(true);
    expect(ufwPortCovers('80,443', 18789)).toBe(false);
    expect(ufwPortCovers('any', 1)).toBe(true);
  });

  it('never throws on mangled files', () => {
    const line = '### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=6869\n';
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.nat(line.length), (junk, cut) => {
        const { rules, errors } = parseUfwTuples(`${line.slice(0, cut)}${junk}\n${line}`, 'f', false);
        expect(rules.length + errors.length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('ufw status verbose', () => {
  it.skipIf(!corpusAvailable)('reads status, defaults and rules (corpus ufw/ufw-rich.ufw-status.txt)', () => {
    const parsed = parseUfwStatusVerbose(corpusFile('ufw', 'ufw-rich.ufw-status.txt'));
    expect(parsed.active).toBe(true);
    expect(parsed.defaults).toEqual({ incoming: 'deny', outgoing: 'allow', routed: 'disabled' });
    expect(parsed.rules.find((r) => r.to === '22/tcp')).toMatchObject({ action: 'LIMIT IN', from: 'Anywhere', comment: 'rate-limited ssh' });
    expect(parsed.rules.find((r) => r.action === 'ALLOW FWD')).toBeDefined();
  });

  it('reads an inactive status', () => {
    expect(parseUfwStatusVerbose('Status: inactive\n')).toEqual({ active: false, defaults: {}, rules: [] });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (text) => void parseUfwStatusVerbose(text)), { numRuns: 500 });
  });
});

describe('shell assignment files (/etc/default/ufw, ufw.conf, .env)', () => {
  it('unquotes values and ignores comments', () => {
    expect(parseShellAssignments('# c\nIPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n  ENABLED = no \n')).toEqual({ IPV6: 'yes', DEFAULT_INPUT_POLICY: 'DROP', ENABLED: 'no' });
  });
});

/** Debian's /etc/default/ufw as shipped: the input policy is on line 11. */
const DEBIAN_DEFAULT_UFW = [
  '# /etc/default/ufw',
  '#',
  '',
  '# Set to yes to apply rules to support IPv6 (no means only IPv6 on loopback',
  '# accepted). You will need to \'disable\' and then \'enable\' the firewall for',
  '# the changes to take affect.',
  'IPV6=yes',
  '',
  '# Set the default input policy to ACCEPT, DROP, or REJECT. Please note that if',
  '# you change this you will most likely want to adjust your rules.',
  'DEFAULT_INPUT_POLICY="DROP"',
  '',
  '# Set the default output policy to ACCEPT, DROP, or REJECT. Please note that if',
  '# you change this you will most likely want to adjust your rules.',
  'DEFAULT_OUTPUT_POLICY="ACCEPT"',
  '',
].join('\n');

describe('/etc/default/ufw lines', () => {
  it('records the line each assignment came from; the last one wins, as in sh', () => {
    expect(shellAssignmentLines('A=1\n# c\nB="x"\nA=2\n')).toEqual({ A: { value: '2', line: 4 }, B: { value: 'x', line: 3 } });
  });

  it('the collector keeps the line of each default policy, and the check cites it (not line 1)', async () => {
    const etc = mkdtempSync(join(tmpdir(), 'clawmoat-ufw-'));
    try {
      mkdirSync(join(etc, 'ufw'));
      mkdirSync(join(etc, 'default'));
      writeFileSync(join(etc, 'ufw', 'ufw.conf'), 'ENABLED=no\n');
      writeFileSync(join(etc, 'ufw', 'user.rules'), '*filter\nCOMMIT\n');
      writeFileSync(join(etc, 'default', 'ufw'), DEBIAN_DEFAULT_UFW);
      const ufw = await collectUfw({ withStatus: false, etc });
      if (ufw.status !== 'ok') throw new Error(ufw.detail);
      expect(ufw.data.files.defaults).toEqual({ input: 'DROP', output: 'ACCEPT' });
      expect(ufw.data.files.defaultLines).toEqual({ input: 11, output: 15 });

      const snapshot = { ...baselineSnapshot(), ufw: { status: 'ok' as const, data: { ...ufw.data, installed: true } } };
      const check = CHECKS.find((c) => c.meta.id === 'firewall.ufw.ssh_not_allowed')!;
      const outcome = check.evaluate(buildContext(snapshot));
      if (outcome.result !== 'fail') throw new Error(`expected a fail, got ${outcome.result}`);
      const evidence = outcome.findings[0]!.evidence.find((e) => e.text.startsWith('DEFAULT_INPUT_POLICY'));
      expect(evidence).toEqual({ kind: 'file', text: 'DEFAULT_INPUT_POLICY="DROP" in /etc/default/ufw', location: { file: '/etc/default/ufw', line: 11 } });
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });
});
