import { describe, expect, it } from 'vitest';
import { maskSecrets, REDACTED, unifiedDiff } from '../../../../src/harden/edit/diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('/etc/x', 'a\n', 'a\n')).toBe('');
  });

  it('has git-style headers and hunks with the asked context', () => {
    const before = 'one\ntwo\nthree\nfour\nfive\n';
    const after = 'one\ntwo\nTHREE\nfour\nfive\n';
    expect(unifiedDiff('/etc/ufw/after.rules', before, after, { context: 1 })).toBe(
      '--- a/etc/ufw/after.rules\n+++ b/etc/ufw/after.rules\n@@ -2,3 +2,3 @@\n two\n-three\n+THREE\n four\n',
    );
    expect(unifiedDiff('docker-compose.yml', before, after)).toMatch(/^--- a\/docker-compose\.yml\n\+\+\+ b\/docker-compose\.yml\n@@ -1,5 \+1,5 @@\n/);
  });

  it('marks a last line without a newline', () => {
    expect(unifiedDiff('f', 'a', 'b')).toBe('--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n');
  });
});

describe('masking', () => {
  const token = 'c0ffee00c0ffee00c0ffee00c0ffee00';

  it('replaces the secret wherever it appears, headers included', () => {
    const diff = unifiedDiff(`/tmp/${token}`, '{\n}\n', `{\n  token: "${token}",\n}\n`, { mask: [token] });
    expect(diff).not.toContain(token);
    expect(diff).toContain(`+  token: "${REDACTED}",`);
    expect(diff).toContain(`--- a/tmp/${REDACTED}`);
  });

  it('hides a secret as it is written escaped inside a JSON5 string', () => {
    const secret = 'pa"ss\\wo\'rd';
    expect(maskSecrets(`a: "pa\\"ss\\\\wo'rd", b: 'pa"ss\\\\wo\\'rd'`, [secret])).toBe(`a: "${REDACTED}", b: '${REDACTED}'`);
  });

  it('hides the longer of two overlapping secrets whole, and ignores empty strings', () => {
    expect(maskSecrets('abc-abcdef', ['abc', 'abcdef', ''])).toBe(`${REDACTED}-${REDACTED}`);
    expect(maskSecrets('nothing here', [''])).toBe('nothing here');
  });

  it('leaves the diff alone without a mask', () => {
    expect(unifiedDiff('f', 'a\n', 'secret\n')).toContain('+secret');
  });
});
