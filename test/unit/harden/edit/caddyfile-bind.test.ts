import { describe, expect, it } from 'vitest';
import { bindCaddySite } from '../../../../src/harden/edit/caddyfile-bind.js';

const FILE = [
  '{',
  '\tadmin 127.0.0.1:2019',
  '}',
  '',
  '(common) {',
  '\tencode gzip',
  '}',
  '',
  'gw.example.com, :8445 {',
  '    import common',
  '    handle /api/* {',
  '        reverse_proxy {upstream_host}:9000',
  '    }',
  '    reverse_proxy 127.0.0.1:18789 # the gateway',
  '}',
  '',
].join('\n');

describe('bindCaddySite', () => {
  it('adds `bind` at the top of the site block holding the line, indented like its neighbours', () => {
    const out = bindCaddySite(FILE, 14, ['127.0.0.1']);
    expect(out).toMatchObject({ site: 'gw.example.com, :8445', at: 10 });
    if ('error' in out) throw new Error(out.error);
    const lines = out.text.split('\n');
    expect(lines[9]).toBe('    bind 127.0.0.1');
    expect(lines.filter((l, i) => l !== FILE.split('\n')[i >= 9 ? i - 1 : i])).toEqual(['    bind 127.0.0.1']);
  });

  it('replaces the addresses of a `bind` already there, keeping its comment', () => {
    const text = ':443 {\n\tbind 0.0.0.0 # all\n\treverse_proxy 127.0.0.1:18789\n}\n';
    expect(bindCaddySite(text, 3, ['127.0.0.1'])).toEqual({
      text: ':443 {\n\tbind 127.0.0.1 # all\n\treverse_proxy 127.0.0.1:18789\n}\n',
      site: ':443',
      at: 2,
    });
  });

  it('refuses what a line edit could get wrong: the global block, a snippet, a site without braces', () => {
    expect(bindCaddySite(FILE, 2, ['127.0.0.1'])).toEqual({ error: expect.stringContaining('global options') });
    expect(bindCaddySite(FILE, 6, ['127.0.0.1'])).toEqual({ error: expect.stringContaining('snippet (common)') });
    expect(bindCaddySite(':8445\nreverse_proxy 127.0.0.1:18789\n', 2, ['127.0.0.1'])).toEqual({ error: expect.stringContaining('without braces') });
  });
});
