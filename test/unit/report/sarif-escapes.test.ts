import { describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import { auditSnapshot } from '../../../src/audit.js';
import { plainText, renderSarif } from '../../../src/report/sarif.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';

/**
 * Review 2, finding 10: SARIF viewers render a rule's help Markdown, and read `[text](N)` in a
 * plain-text message as a link. A config path chosen by the gateway user must stay text in both.
 */
const HOSTILE = '/home/u/[Open the fix guide](https://evil.example/fix)/![](https://evil.example/pixel.png)/openclaw.json';

function sarifOf(file: string): Log {
  const s = baselineSnapshot();
  s.openclaw.config = { status: 'invalid', path: file, resolvedBy: 'env', error: { file, line: 2, message: 'bad' } } as Snapshot['openclaw']['config'];
  return JSON.parse(renderSarif(auditSnapshot(s))) as Log;
}

/** Markdown link or image syntax whose brackets are not backslash-escaped. */
const LIVE_LINK = /(?<!\\)\[[^\]]*(?<!\\)\]\(/;

describe('SARIF escapes host text (review 2, finding 10)', () => {
  it('help.markdown: the summary is escaped like the Markdown report, so the path is no link and no image', () => {
    const log = sarifOf(HOSTILE);
    const rule = log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'config.unreadable')!;
    const summary = rule.help!.markdown!.split('\n\n')[0]!;
    expect(summary).not.toMatch(LIVE_LINK);
    expect(summary).toContain('\\[Open the fix guide\\]');
    expect(summary).toContain('!\\[\\]');
  });

  it('message.text escapes [, ] and \\ so no embedded link is read', () => {
    const log = sarifOf(HOSTILE);
    const texts = log.runs[0]!.results!.filter((r) => r.ruleId === 'config.unreadable').map((r) => r.message.text!);
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      expect(text).not.toMatch(LIVE_LINK);
      expect(text).toContain('\\[Open the fix guide\\](https://evil.example/fix)');
    }
  });

  it('plainText escapes a backslash before a bracket, so "\\\\[" cannot unescape the bracket', () => {
    expect(plainText('a\\[b](1)')).toBe('a\\\\\\[b\\](1)');
  });
});
