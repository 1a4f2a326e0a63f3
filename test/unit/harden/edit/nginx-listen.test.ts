import { describe, expect, it } from 'vitest';
import { moveNginxListens } from '../../../../src/harden/edit/nginx-listen.js';

const TO = { v4: '127.0.0.1', v6: '::1' };

describe('moveNginxListens', () => {
  it('changes only the address word of each named listen: parameters, comments and layout stay', () => {
    const text = [
      'server {',
      '\tlisten 443 ssl http2;  # public',
      '\tlisten [::]:443 ssl;',
      '\tlisten *:80;',
      '\tlisten 198.51.100.1:8080 default_server;',
      '}',
      '',
    ].join('\n');
    const out = moveNginxListens(
      text,
      [
        { line: 2, address: '0.0.0.0', port: 443 },
        { line: 3, address: '::', port: 443 },
        { line: 4, address: '0.0.0.0', port: 80 },
        { line: 5, address: '198.51.100.1', port: 8080 },
      ],
      TO,
    );
    expect(out).toEqual({
      text: [
        'server {',
        '\tlisten 127.0.0.1:443 ssl http2;  # public',
        '\tlisten [::1]:443 ssl;',
        '\tlisten 127.0.0.1:80;',
        '\tlisten 127.0.0.1:8080 default_server;',
        '}',
        '',
      ].join('\n'),
    });
  });

  it('picks the listen that matches on a line holding several, and binds a tailnet address when asked', () => {
    const text = 'server { listen 127.0.0.1:8081; listen 8080; location / { proxy_pass http://127.0.0.1:18789; } }\n';
    expect(moveNginxListens(text, [{ line: 1, address: '0.0.0.0', port: 8080 }], { v4: '100.101.102.103', v6: '::1' })).toEqual({
      text: 'server { listen 127.0.0.1:8081; listen 100.101.102.103:8080; location / { proxy_pass http://127.0.0.1:18789; } }\n',
    });
  });

  it('refuses a line that no longer says what the plan read, a commented-out listen, and a quoted address', () => {
    expect(moveNginxListens('server {\n  listen 9999;\n}\n', [{ line: 2, address: '0.0.0.0', port: 443 }], TO)).toEqual({
      error: expect.stringContaining('does not listen on 0.0.0.0:443'),
    });
    expect(moveNginxListens('server {\n  # listen 443;\n}\n', [{ line: 2, address: '0.0.0.0', port: 443 }], TO)).toEqual({
      error: expect.stringContaining('no `listen` directive there'),
    });
    expect(moveNginxListens('server {\n  listen "443";\n}\n', [{ line: 2, address: '0.0.0.0', port: 443 }], TO)).toHaveProperty('error');
    expect(moveNginxListens('server {}\n', [{ line: 7, address: '0.0.0.0', port: 443 }], TO)).toEqual({ error: expect.stringContaining('past the end') });
  });
});
