import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseUfwStatusVerbose, parseUfwTuples, ufwPortCovers } from '../../../src/model/ufw.js';
import { parseShellAssignments } from '../../../src/collect/ufw.js';
import { CORPUS_SKIP_REASON, corpusAvailable, corpusFile } from '../../support/corpus.js';

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
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => void parseUfwStatusVerbose(text)),
      { numRuns: 500 },
    );
  });
});

describe('shell assignment files (/etc/default/ufw, ufw.conf, .env)', () => {
  it('unquotes values and ignores comments', () => {
    expect(parseShellAssignments('# c\nIPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\n  ENABLED = no \n')).toEqual({
      IPV6: 'yes',
      DEFAULT_INPUT_POLICY: 'DROP',
      ENABLED: 'no',
    });
  });
});

describe('collectUfw on a private /etc', () => {
  it('records the line of each default policy in /etc/default/ufw (evidence cites line 11, not 1)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { collectUfw } = await import('../../../src/collect/ufw.js');
    const etc = mkdtempSync(join(tmpdir(), 'clawmoat-ufw-'));
    try {
      mkdirSync(join(etc, 'ufw'));
      mkdirSync(join(etc, 'default'));
      writeFileSync(join(etc, 'ufw/ufw.conf'), 'ENABLED=yes\n');
      writeFileSync(join(etc, 'default/ufw'), `${'# comment\n'.repeat(10)}DEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n`);
      const state = await collectUfw({ withStatus: false, etc });
      expect(state.status).toBe('ok');
      if (state.status !== 'ok') return;
      expect(state.data.files.defaults).toEqual({ input: 'DROP', output: 'ACCEPT' });
      expect(state.data.files.defaultsLines).toEqual({ input: 11, output: 12 });
      expect(state.data.files.unreadable).toBeUndefined();
    } finally {
      rmSync(etc, { recursive: true, force: true });
    }
  });
});
