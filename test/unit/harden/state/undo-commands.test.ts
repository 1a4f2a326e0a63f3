import { describe, expect, it } from 'vitest';
import { undoRefusal } from '../../../../src/harden/state/undo-commands.js';

describe('undoRefusal: the proxy reloads door steps write', () => {
  it('allows the reloads harden plans, with plain absolute paths and placing-only -g directives', () => {
    for (const argv of [
      ['nginx', '-s', 'reload'],
      ['nginx', '-s', 'reload', '-p', '/srv/nginx/', '-e', '/srv/nginx/error.log', '-c', '/srv/nginx/nginx.conf', '-g', 'daemon off; pid /run/x.pid;'],
      ['systemctl', 'reload', 'nginx.service'],
      ['systemctl', 'restart', 'nginx.service'],
      ['caddy', 'reload', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'],
    ])
      expect(undoRefusal(argv), argv.join(' ')).toBeUndefined();
  });

  it('refuses anything that could load code or other files as root', () => {
    for (const argv of [
      ['nginx', '-s', 'reload', '-g', 'load_module /tmp/evil.so;'],
      ['nginx', '-s', 'reload', '-g', 'pid /run/x.pid; include /home/u/x;'],
      ['nginx', '-s', 'stop'],
      ['nginx', '-s', 'reload', '-c', 'relative.conf'],
      ['nginx', '-s', 'reload', '-c', '/etc/nginx/$(id).conf'],
      ['systemctl', 'restart', '--now', 'nginx.service'],
      ['systemctl', 'start', 'nginx.service'],
      ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'],
      ['caddy', 'reload', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile', '--address', 'evil:1'],
    ])
      expect(undoRefusal(argv), argv.join(' ')).toMatch(/is not a command clawmoat harden writes/);
  });
});
