import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditContext } from '../../../../src/audit.js';
import type { DoorRef } from '../../../../src/checks/fix-intents.js';
import { configRefusal, type DoorRuntime } from '../../../../src/harden/door-runtime.js';
import { planDoors, type DoorPlanOptions } from '../../../../src/harden/plan/door-steps.js';
import type { CommandStep, FileStep } from '../../../../src/harden/types.js';
import { buildContext } from '../../../../src/model/context.js';
import type { Door } from '../../../../src/snapshot/types.js';
import {
  baselineSnapshot,
  compose,
  tcpListener,
  withDoors,
  withGatewayProcess,
  withInterface,
  withSockets,
  withSocat,
} from '../../../fixtures/builders/snapshot.js';
import { nginxDoor, withNginx } from '../../checks/cases/doors-fixtures.js';

/**
 * The door planner works from the fix intents the exposure checks return (never from finding
 * ids): these run the real audit over a snapshot, then plan with a fake view of the live host.
 */

const SITE = '/etc/nginx/sites-enabled/openclaw';
const SITE_TEXT = [
  'server {',
  '    listen 443 ssl; # public',
  '    server_name gw.example.com;',
  '    location / {',
  '        proxy_pass http://127.0.0.1:18789;',
  '    }',
  '}',
  '',
].join('\n');
const CADDYFILE = '/etc/caddy/Caddyfile';
const CADDY_TEXT = ['gw.example.com {', '\treverse_proxy 127.0.0.1:18789', '}', ''].join('\n');
const LOOPBACK_GATEWAY = compose(withGatewayProcess(8, ['openclaw-gateway']), withSockets(tcpListener('127.0.0.1', 18789, 8)));
const NGINX_ARGS = ['-c', '/etc/nginx/nginx.conf'];

function plan(patch: ReturnType<typeof compose>, options: Partial<DoorPlanOptions> = {}) {
  const ctx = buildContext(patch(baselineSnapshot()));
  const report = auditContext(ctx);
  const files: Record<string, string> = { [SITE]: SITE_TEXT, [CADDYFILE]: CADDY_TEXT };
  const runtime = (door: DoorRef): DoorRuntime =>
    door.kind === 'nginx'
      ? { kind: 'nginx', args: NGINX_ARGS, conf: '/etc/nginx/nginx.conf', unit: 'nginx.service' }
      : { kind: 'caddy', config: CADDYFILE, adapter: 'caddyfile', unit: 'caddy.service' };
  return planDoors(ctx, report.findings, { remote: 'loopback', readFile: (p) => files[p], runtime, refusal: () => undefined, ...options });
}

const caddyDoor: Door = {
  kind: 'caddy',
  pid: 30,
  listen: [{ address: '::', port: 443 }],
  upstream: { host: '127.0.0.1', port: 18789 },
  via: 'reverse_proxy 127.0.0.1:18789',
  location: { file: CADDYFILE, line: 2 },
  layer: 'http',
  forwardedFor: 'overwrite',
  auth: [],
};

describe('planDoors', () => {
  it('nginx on *:443 under systemd: the listen line moved, nginx -t, then a restart (a reload cannot give up a wildcard socket)', () => {
    const { steps, notes } = plan(compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443))));
    expect(notes).toEqual([]);
    expect(steps.map((s) => s.id)).toEqual(['door.nginx.listen', 'door.nginx.check', 'door.nginx.reload']);
    const [edit, check, reload] = steps as [FileStep, CommandStep, CommandStep];
    expect(edit).toMatchObject({ kind: 'file', path: SITE, finding: 'exposure.internet', at: [{ file: SITE, line: 2 }] });
    expect(edit.content).toBe(SITE_TEXT.replace('listen 443 ssl;', 'listen 127.0.0.1:443 ssl;'));
    expect(edit.diff).toContain('+    listen 127.0.0.1:443 ssl; # public');
    expect(check).toMatchObject({ argv: ['nginx', '-t', ...NGINX_ARGS], undoArgv: [] });
    expect(check.undoAfterFiles).toBeUndefined();
    // Rollback restores the file first, then restarts again: the undo runs after every file.
    expect(reload).toMatchObject({
      argv: ['systemctl', 'restart', 'nginx.service'],
      undoArgv: [['systemctl', 'restart', 'nginx.service']],
      undoAfterFiles: true,
    });
  });

  it('nginx not run by systemd: a public address is moved and reloaded with the master’s own options; a wildcard one is explained instead', () => {
    const runtime = (): DoorRuntime => ({ kind: 'nginx', args: NGINX_ARGS, conf: '/etc/nginx/nginx.conf' });
    const specific = plan(compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443, { address: '198.51.100.10' }))), {
      runtime,
      readFile: () => SITE_TEXT.replace('listen 443', 'listen 198.51.100.10:443'),
    });
    expect(specific.steps.map((s) => (s.kind === 'command' ? s.argv.join(' ') : s.id))).toEqual([
      'door.nginx.listen',
      'nginx -t -c /etc/nginx/nginx.conf',
      'nginx -s reload -c /etc/nginx/nginx.conf',
    ]);
    const wildcard = plan(compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443))), { runtime });
    expect(wildcard.steps).toEqual([]);
    expect(wildcard.notes.join('\n')).toMatch(
      /a reload cannot give up a wildcard socket.*not a systemd unit.*By hand: write `listen 127\.0\.0\.1:443;` at \/etc\/nginx\/sites-enabled\/openclaw:2/,
    );
  });

  it('--remote tailnet binds the tailnet address', () => {
    const withTailnet = compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443)), withInterface('tailscale0', '100.101.102.103', 32));
    const { steps, notes } = plan(withTailnet, { remote: 'tailnet' });
    expect(notes).toEqual([]);
    expect((steps[0] as FileStep).content).toContain('listen 100.101.102.103:443 ssl;');
  });

  it('Caddy: `bind` in the site block, caddy validate, then its reload', () => {
    const { steps } = plan(compose(LOOPBACK_GATEWAY, withSockets(tcpListener('::', 443, 30, 'caddy')), withDoors([caddyDoor])));
    expect(steps.map((s) => s.id)).toEqual(['door.caddy.listen', 'door.caddy.check', 'door.caddy.reload']);
    expect((steps[0] as FileStep).content).toBe('gw.example.com {\n\tbind 127.0.0.1\n\treverse_proxy 127.0.0.1:18789\n}\n');
    expect((steps[1] as CommandStep).argv).toEqual(['caddy', 'validate', '--config', CADDYFILE, '--adapter', 'caddyfile']);
    expect((steps[2] as CommandStep).argv).toEqual(['systemctl', 'reload', 'caddy.service']);
  });

  it('refuses, with the manual fix, what it must not or cannot change', () => {
    const door = compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443)));
    const cases: [Partial<DoorPlanOptions>, RegExp][] = [
      [
        { refusal: (p) => (p === SITE ? `${p} is owned by uid 1000, not root` : undefined) },
        /owned by uid 1000, not root: a proxy config the gateway's user could write/,
      ],
      [{ refusal: (p) => (p === '/etc/nginx/nginx.conf' ? 'writable by group or others' : undefined) }, /nginx -t would read it as root/],
      [{ readFile: () => `# Generated by certbot-template, do not edit\n${SITE_TEXT}` }, /says it is generated/],
      [{ readFile: () => SITE_TEXT.replace('listen 443 ssl;', 'listen 8443;') }, /does not listen on 0\.0\.0\.0:443/],
      [{ runtime: () => ({ error: 'process 20 runs as uid 33, not root' }) }, /runs as uid 33/],
      // A live view of the process without a judge of who may change its files: no command as root.
      [{ refusal: undefined }, /was not told who may change the proxy config files/],
    ];
    for (const [options, why] of cases) {
      const { steps, notes } = plan(door, options);
      expect(steps, String(why)).toEqual([]);
      expect(notes.join('\n')).toMatch(why);
      expect(notes.join('\n')).toContain('By hand:');
    }
    // From a snapshot file there is no live process to ask.
    const fromFile = planDoors(buildContext(door(baselineSnapshot())), auditContext(buildContext(door(baselineSnapshot()))).findings, {
      remote: 'loopback',
      readFile: () => SITE_TEXT,
    });
    expect(fromFile.steps).toEqual([]);
    expect(fromFile.notes.join('\n')).toMatch(/on the live host, not from a snapshot file/);
  });

  it('an nginx master whose options are off the allow list, or name a file someone but root could change, gets no step: the manual fix instead', () => {
    const door = compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443)));
    const userFile = (p: string) => (p.startsWith('/home/u/') ? `${p} is owned by uid 1000, not root` : undefined);
    const cases: [string[], RegExp][] = [
      [['-g', 'load_module /tmp/x.so;'], /its -g "load_module \/tmp\/x\.so;" holds a directive other than .*not run as root/],
      [['-g', 'daemon on; env LD_PRELOAD=/tmp/x.so;'], /holds a directive other than/],
      [['-g', 'pid /home/u/x;'], /\/home\/u\/x is owned by uid 1000, not root \(the master's -g pid\)/],
      [['-g', 'daemon on; error_log /home/u/log;'], /\/home\/u\/log is owned by uid 1000.*-g error_log/],
      [['-p', '/home/u/'], /\/home\/u\/ is owned by uid 1000.*the master's -p/],
      [['-e', '/home/u/error.log'], /the master's -e/],
      [['-c', '/home/u/nginx.conf'], /\/home\/u\/nginx\.conf is owned by uid 1000/],
    ];
    for (const [args, why] of cases) {
      const conf = args[0] === '-c' ? args[1]! : '/etc/nginx/nginx.conf';
      const { steps, notes } = plan(door, { runtime: () => ({ kind: 'nginx', args, conf, unit: 'nginx.service' }), refusal: userFile });
      expect(steps, args.join(' ')).toEqual([]);
      expect(notes.join('\n'), args.join(' ')).toMatch(why);
      expect(notes.join('\n')).toContain('By hand: write `listen 127.0.0.1:443;` at /etc/nginx/sites-enabled/openclaw:2');
    }
  });

  it('an nginx master with a -c in a directory its user owns, judged by the real config refusal: no step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawmoat-nginx-'));
    try {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, 'events {}\n');
      if (process.getuid?.() === 0) chownSync(dir, 1000, 1000);
      const { steps, notes } = plan(compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443))), {
        runtime: () => ({ kind: 'nginx', args: ['-c', conf], conf, unit: 'nginx.service' }),
        refusal: (p) => (p === SITE ? undefined : configRefusal(p)),
      });
      expect(steps).toEqual([]);
      expect(notes.join('\n')).toMatch(/can be changed by uid \d+|owned by uid \d+, not root/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an nginx master on the allow list, every file it names root’s: planned, and each of those files was judged', () => {
    const args = [
      '-p',
      '/etc/nginx/',
      '-e',
      '/var/log/nginx/error.log',
      '-c',
      '/etc/nginx/nginx.conf',
      '-g',
      'daemon on; master_process on; pid /run/nginx.pid;',
    ];
    const judged: string[] = [];
    const { steps, notes } = plan(compose(LOOPBACK_GATEWAY, withNginx(nginxDoor(443))), {
      runtime: () => ({ kind: 'nginx', args, conf: '/etc/nginx/nginx.conf', unit: 'nginx.service' }),
      refusal: (p) => void judged.push(p),
    });
    expect(notes).toEqual([]);
    expect((steps[1] as CommandStep).argv).toEqual(['nginx', '-t', ...args]);
    expect(new Set(judged)).toEqual(new Set([SITE, '/etc/nginx/', '/var/log/nginx/error.log', '/etc/nginx/nginx.conf', '/run/nginx.pid']));
  });

  it('Caddy with its admin API off cannot be reloaded: explained', () => {
    const { steps, notes } = plan(compose(LOOPBACK_GATEWAY, withSockets(tcpListener('::', 443, 30, 'caddy')), withDoors([caddyDoor])), {
      readFile: () => `{\n\tadmin off\n}\n${CADDY_TEXT}`,
    });
    expect(steps).toEqual([]);
    expect(notes.join('\n')).toMatch(/admin API off/);
  });

  it('Caddy: the config is read once, and never when root must not read it', () => {
    const door = compose(LOOPBACK_GATEWAY, withSockets(tcpListener('::', 443, 30, 'caddy')), withDoors([caddyDoor]));
    const reads: string[] = [];
    const readFile = (p: string) => (reads.push(p), p === CADDYFILE ? `{\n\tadmin off\n}\n${CADDY_TEXT}` : undefined);
    const refused = plan(door, { readFile, refusal: (p) => (p === CADDYFILE ? `${p} is owned by uid 1000, not root` : undefined) });
    expect(refused.steps).toEqual([]);
    expect(refused.notes.join('\n')).toMatch(/owned by uid 1000, not root: a proxy config the gateway's user could write/);
    expect(reads).toEqual([]);
    const adminOff = plan(door, { readFile });
    expect(adminOff.notes.join('\n')).toMatch(/Caddyfile: it turns Caddy's admin API off/);
    expect(reads).toEqual([CADDYFILE]);
  });

  it('an outbound tunnel gets no step: the check’s advice, with its config file, in the notes', () => {
    const tunnel: Door = {
      kind: 'cloudflared',
      pid: 12,
      remote: { url: 'https://gw.example.com', port: 443, audience: 'internet' },
      upstream: { host: 'localhost', port: 18789 },
      via: 'ingress gw.example.com → http://localhost:18789',
      location: { file: '/etc/cloudflared/config.yml', line: 4 },
      layer: 'http',
      forwardedFor: 'append',
      auth: [],
    };
    const { steps, notes } = plan(compose(LOOPBACK_GATEWAY, withDoors([tunnel])));
    expect(steps).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/harden changes no tunnel: Put a Cloudflare Access policy in front of https:\/\/gw\.example\.com/);
    expect(notes[0]).toContain('in /etc/cloudflared/config.yml, under the ingress rule');
  });

  it('a chain (nginx on *:443 → socat on 127.0.0.1:8080 → the gateway): the outer nginx, the one reachable, is the one moved', () => {
    const { steps, notes } = plan(
      compose(
        LOOPBACK_GATEWAY,
        withSocat(9, 8080, 18789, '127.0.0.1'),
        withNginx(nginxDoor(443, { upstream: { host: '127.0.0.1', port: 8080 }, via: 'proxy_pass http://127.0.0.1:8080' })),
      ),
    );
    expect(notes).toEqual([]);
    expect(steps.map((s) => s.id)).toEqual(['door.nginx.listen', 'door.nginx.check', 'door.nginx.reload']);
    expect((steps[0] as FileStep).content).toContain('listen 127.0.0.1:443 ssl;');
  });

  it('a chain whose outer door is socat (not rewritten) before a loopback nginx: the inner nginx is left alone, the finding says how to bind socat', () => {
    const ctx = buildContext(
      compose(
        LOOPBACK_GATEWAY,
        withNginx(nginxDoor(8080, { address: '127.0.0.1' })),
        withSockets(tcpListener('0.0.0.0', 443, 9, 'socat')),
        withDoors([
          {
            kind: 'socat',
            pid: 9,
            listen: [{ address: '0.0.0.0', port: 443 }],
            upstream: { host: '127.0.0.1', port: 8080 },
            via: 'socat TCP-LISTEN:443,fork TCP:127.0.0.1:8080',
            layer: 'tcp',
            forwardedFor: 'none',
            auth: [],
          },
        ]),
      )(baselineSnapshot()),
    );
    const report = auditContext(ctx);
    const found = report.findings.filter((f) => f.id === 'exposure.internet' && f.status === 'fail');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('0.0.0.0:443 (socat), a door to the gateway at 127.0.0.1:18789 through nginx on 127.0.0.1:8080');
    expect(found[0]!.remediation.steps.join('\n')).toContain('bind=127.0.0.1');
    expect(found[0]!.fixes?.map((f) => f.kind)).not.toContain('door.bind-private');
    const { steps } = planDoors(ctx, report.findings, { remote: 'loopback', readFile: () => SITE_TEXT, refusal: () => undefined });
    expect(steps).toEqual([]);
  });
});
