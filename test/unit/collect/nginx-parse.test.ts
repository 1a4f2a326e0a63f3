import { describe, expect, it } from 'vitest';
import { parseNginxExact, parseNginxFile } from '../../../src/collect/doors/nginx.js';

/**
 * parseNginxFile cuts a well-formed file into tokens with one regex and hands anything else to
 * parseNginxExact, the parser that reads a character at a time. Both must give the same tree, or
 * the same syntax error at the same line, on any text: random texts from nginx's troublesome
 * pieces (quotes inside words, escapes, `${var}`, comments, stray braces, odd white space).
 */

const PIECES = [
  'a',
  'server',
  'listen',
  '80',
  ' ',
  '\t',
  '\n',
  '\r\n',
  ';',
  '{',
  '}',
  '#c',
  '# x;y {\n',
  '"',
  "'",
  '\\',
  '$',
  '$x',
  '${y}',
  '${',
  'x"y',
  "q'",
  '\u00a0',
  '\v',
  '\u2028',
  'proxy_pass http://a:1/',
  '"a b"',
  "'c;d'",
  '"e\\"f"',
  '\\\n',
  "'\n'",
  '$$',
  '${a\nb}',
];

function outcome(parse: (text: string, file: string) => unknown, text: string): unknown {
  try {
    return { tree: parse(text, '/f') };
  } catch (error) {
    const e = error as Error & { line?: number };
    return { error: e.message, line: e.line };
  }
}

/** Words nginx accepts, the odd ones above all (quoted ones with and without what a plain directive token refuses). */
const WORDS = [
  'server',
  'listen',
  '127.0.0.1:80',
  'x"y',
  "q'",
  '"a b"',
  "'c;d'",
  '"e\\"f"',
  "'\n'",
  '$x',
  '${y}',
  '$$',
  '${a\nb}',
  'a#b',
  '"{;}"',
  '""',
  `'a"b'`,
  `"x'y"`,
  'a$',
  '"a"b',
  "'#'",
];
const GAPS = [' ', '\t', '\n', ' \n  ', '\r\n', '\u00a0', ' # note; {\n', '\n#\n'];

describe('nginx tokenizer', () => {
  it('the one-regex parser and the character-at-a-time parser agree on 20 000 random texts', () => {
    let seed = 20261207;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    /** Directives and blocks, well formed. */
    const block = (depth: number): string => {
      let text = '';
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const words = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(WORDS)).join(pick(GAPS));
        text += pick(GAPS) + words + pick(GAPS) + (depth < 3 && random() < 0.4 ? `{${block(depth + 1)}}` : ';');
      }
      return text;
    };
    let errors = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = block(0);
      // Half of them broken: a piece of trouble put anywhere.
      if (random() < 0.5) {
        const at = Math.floor(random() * (text.length + 1));
        text = text.slice(0, at) + pick(PIECES) + text.slice(at);
      }
      const exact = outcome(parseNginxExact, text);
      if ('error' in (exact as object)) errors++;
      expect(outcome(parseNginxFile, text), JSON.stringify(text)).toEqual(exact);
    }
    // Both kinds are exercised: well-formed texts and syntax errors.
    expect(errors).toBeGreaterThan(1_000);
    expect(errors).toBeLessThan(10_000);
  });

  it('a site as nginx -T prints it: directives, nested blocks, quoted values, variables, lines', () => {
    const site = [
      'upstream app { server 127.0.0.1:18789; keepalive 8; }',
      'server {',
      '  listen 80; # plain http',
      '  location / {',
      '    proxy_pass http://app;',
      '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '    proxy_set_header Connection "upgrade";',
      "    add_header X-Note 'a \\'quoted\\' ${value}';",
      '  }',
      '}',
      '',
    ].join('\n');
    const tree = parseNginxFile(site, '/etc/nginx/sites-enabled/app');
    expect(tree).toEqual(parseNginxExact(site, '/etc/nginx/sites-enabled/app'));
    const location = tree[1]!.block![1]!;
    expect(location.block!.map((d) => [d.name, d.args, d.line])).toEqual([
      ['proxy_pass', ['http://app'], 5],
      ['proxy_set_header', ['X-Forwarded-For', '$proxy_add_x_forwarded_for'], 6],
      ['proxy_set_header', ['Connection', 'upgrade'], 7],
      ['add_header', ['X-Note', "a 'quoted' ${value}"], 8],
    ]);
  });
});
