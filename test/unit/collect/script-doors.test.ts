import { describe, expect, it } from 'vitest';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { generateScript } from '../../../src/collect/script/generate.js';
import { output } from './recording.js';

/**
 * A door of another user's process, from a recording: `caddy adapt` the script ran as that owner
 * (recorded as "as UID:GID ARGV") answers the collector's run as that owner; without that record
 * the door is a problem and the read is listed as missing, never guessed.
 */

const CADDYFILE = ':8446 {\n\treverse_proxy 127.0.0.1:18789\n}\n';
const ADAPTED = JSON.stringify({
  apps: { http: { servers: { srv0: { listen: [':8446'], routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:18789' }] }] }] } } } },
});
const ADAPT = 'caddy adapt --config /srv/caddy/Caddyfile --adapter caddyfile';

/** "UID GID MODE" (hex, as stat %f) of /, /srv, /srv/caddy and the Caddyfile, as the script records a path's owners. */
const OWNERS_OK = ['/srv/caddy/Caddyfile', '0 0 41ed', '0 0 41ed', '1000 1001 41ed', '1000 1001 81a4'].join('\n');

function recording(adapt: [string, string, string, string][], owners: string | null = OWNERS_OK) {
  const argv = ['caddy', 'run', '--config', 'Caddyfile'].map((a) => `4300/cmdline:${a}\0`).join('');
  return output([
    ['fact', 'ok', 'pid', '999'],
    ['fact', 'ok', 'uid', '0'],
    ['fact', 'ok', 'cwd', '/root'],
    ['link', 'ok', '/proc/self/ns/net', 'net:[1]'],
    ['argv', 'ok', '/proc', argv],
    ['link', 'ok', '/proc/4300/ns/net', 'net:[1]'],
    ['read', 'ok', '/proc/4300/status', 'Name:\tcaddy\nUid:\t1000\t1000\t1000\t1000\nGid:\t1001\t1001\t1001\t1001\n'],
    ['link', 'ok', '/proc/4300/cwd', '/srv/caddy'],
    ['which', 'ok', 'caddy', '/usr/bin/caddy'],
    ['read', 'ok', '/srv/caddy/Caddyfile', CADDYFILE],
    ...(owners === null ? [] : [['owners', 'ok', '/srv/caddy/Caddyfile', owners] as [string, string, string, string]]),
    ...adapt,
  ]);
}

describe('doors of another user, from the collection script', () => {
  it('answers caddy adapt run as the owner from its "as UID:GID" record', async () => {
    const snapshot = await collectFromScriptOutput(
      recording([
        ['run', '0', `as 1000:1001 ${ADAPT}`, ADAPTED],
        ['stderr', '0', `as 1000:1001 ${ADAPT}`, ''],
      ]),
      'h.out',
    );
    expect(snapshot.doors?.status).toBe('ok');
    const doors = snapshot.doors?.status === 'ok' ? snapshot.doors.data : undefined;
    expect(doors?.problems).toEqual([]);
    expect(doors?.doors).toMatchObject([{ kind: 'caddy', pid: 4300, upstream: { host: '127.0.0.1', port: 18789 } }]);
    expect(snapshot.collection?.missing.filter((m) => m.includes('caddy'))).toEqual([]);
  });

  it('never takes a dump run as root for one the owner must run: the door is a problem, the read is missing', async () => {
    const snapshot = await collectFromScriptOutput(
      recording([
        ['run', '0', ADAPT, ADAPTED],
        ['stderr', '0', ADAPT, ''],
      ]),
      'h.out',
    );
    const doors = snapshot.doors?.status === 'ok' ? snapshot.doors.data : undefined;
    expect(doors?.doors).toEqual([]);
    expect(doors?.problems[0]).toMatchObject({ kind: 'caddy', pid: 4300, source: '/srv/caddy/Caddyfile' });
    expect(snapshot.collection?.missing).toContain(`run as 1000:1001 ${ADAPT}`);
  });

  it('reads no config its owner could not read: a root-only Caddyfile is a problem naming it, its text never quoted', async () => {
    const rootOnly = ['/srv/caddy/Caddyfile', '0 0 41ed', '0 0 41ed', '0 0 41c0', '0 0 8180'].join('\n');
    const snapshot = await collectFromScriptOutput(recording([], rootOnly), 'h.out');
    const doors = snapshot.doors?.status === 'ok' ? snapshot.doors.data : undefined;
    expect(doors?.doors).toEqual([]);
    expect(doors?.problems).toEqual([
      expect.objectContaining({
        kind: 'caddy',
        source: '/srv/caddy/Caddyfile',
        detail: expect.stringContaining('/srv/caddy/Caddyfile is not readable by the owner of caddy (uid 1000), so clawmoat does not read it as root'),
      }),
    ]);
    expect(JSON.stringify(snapshot.doors)).not.toContain('reverse_proxy');
  });

  it('without the owners of the config in the recording, the door is a problem and the read is listed as missing', async () => {
    const snapshot = await collectFromScriptOutput(recording([], null), 'h.out');
    const doors = snapshot.doors?.status === 'ok' ? snapshot.doors.data : undefined;
    expect(doors?.doors).toEqual([]);
    expect(doors?.problems[0]).toMatchObject({ kind: 'caddy', source: '/srv/caddy/Caddyfile' });
    expect(snapshot.collection?.missing).toContain('owners /srv/caddy/Caddyfile');
  });

  it('the script has a round for every door kind with a config file, and runs dumps through setpriv', () => {
    const script = generateScript();
    for (const kind of ['caddy)', 'haproxy)', 'apache2|httpd)', 'rinetd)', 'cloudflared)', 'ngrok)', 'frpc)']) expect(script).toContain(`    ${kind}`);
    expect(script).toContain('--reuid="$du" --regid="$dg" --clear-groups');
    expect(script).toContain('run_dump "$OU" "$OG" 10 nginx');
  });
});
