import { describe, expect, it } from 'vitest';
import { bindCaddyJson } from '../../../../src/harden/edit/caddy-json-listen.js';

const CONFIG = `{
  "apps": {
    "http": {
      "servers": {
        "gw": {
          "listen": [":443", "[::]:8443", "127.0.0.1:9000"],
          "routes": [{ "handle": [{ "handler": "reverse_proxy", "upstreams": [{ "dial": "127.0.0.1:18789" }] }] }]
        },
        "site": {
          "listen": [":80"],
          "routes": [{ "handle": [{ "handler": "static_response", "body": "hi" }] }]
        }
      }
    }
  }
}
`;

describe('bindCaddyJson', () => {
  it('moves the listen list of the one server that proxies to the upstream, and nothing else', () => {
    const out = bindCaddyJson(CONFIG, '127.0.0.1:18789', { v4: '127.0.0.1', v6: '::1' });
    if ('error' in out) throw new Error(out.error);
    expect(out).toMatchObject({ server: 'gw', line: 6 });
    const parsed = JSON.parse(out.text) as { apps: { http: { servers: Record<string, { listen: string[] }> } } };
    expect(parsed.apps.http.servers.gw!.listen).toEqual(['127.0.0.1:443', '[::1]:8443', '127.0.0.1:9000']);
    expect(parsed.apps.http.servers.site!.listen).toEqual([':80']);
    // Every other line as written.
    const changed = out.text.split('\n').filter((l, i) => l !== CONFIG.split('\n')[i]);
    expect(changed).toHaveLength(1);
  });

  it('refuses what it cannot name: no server with that upstream, or no listen list', () => {
    expect(bindCaddyJson(CONFIG, '127.0.0.1:1', { v4: '127.0.0.1', v6: '::1' })).toEqual({ error: expect.stringContaining('no server') });
    const noListen = CONFIG.replace('"listen": [":443", "[::]:8443", "127.0.0.1:9000"],', '');
    expect(bindCaddyJson(noListen, '127.0.0.1:18789', { v4: '127.0.0.1', v6: '::1' })).toEqual({ error: expect.stringContaining('no listen list') });
    expect(bindCaddyJson('{', '127.0.0.1:18789', { v4: '127.0.0.1', v6: '::1' })).toEqual({ error: expect.stringContaining('not valid JSON') });
  });
});
