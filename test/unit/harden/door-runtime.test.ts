import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configRefusal, nginxMasterArgs, unitOf } from '../../../src/harden/door-runtime.js';

describe('nginxMasterArgs: the options of a running master, from its rewritten title', () => {
  it('keeps -p, -e, -c and the whole -g, and finds the main config', () => {
    expect(nginxMasterArgs('nginx: master process /usr/sbin/nginx -g daemon on; master_process on;')).toEqual({
      args: ['-g', 'daemon on; master_process on;'],
      conf: '/etc/nginx/nginx.conf',
    });
    expect(nginxMasterArgs('nginx: master process nginx -p /t/ -e /t/error.log -c /t/nginx.conf -g daemon off; pid /t/nginx.pid;')).toEqual({
      args: ['-p', '/t/', '-e', '/t/error.log', '-c', '/t/nginx.conf', '-g', 'daemon off; pid /t/nginx.pid;'],
      conf: '/t/nginx.conf',
    });
    expect(nginxMasterArgs('nginx: master process nginx -p /srv/n/')).toEqual({ args: ['-p', '/srv/n/'], conf: '/srv/n/nginx.conf' });
  });

  it('refuses what it cannot pass on as root', () => {
    expect(nginxMasterArgs('nginx: master process nginx -g load_module /tmp/x.so;')).toHaveProperty('error');
    expect(nginxMasterArgs('nginx: master process nginx -c conf/nginx.conf')).toHaveProperty('error');
    expect(nginxMasterArgs('nginx: master process nginx -q')).toHaveProperty('error');
    // Directives no list of bad words names: only the allow list stops them.
    expect(nginxMasterArgs('nginx: master process nginx -g env LD_PRELOAD=/tmp/x.so;')).toEqual({
      error: expect.stringMatching(/its -g "env LD_PRELOAD=\/tmp\/x\.so;" holds a directive other than/),
    });
    expect(nginxMasterArgs('nginx: master process nginx -g working_directory /home/u;')).toHaveProperty('error');
  });
});

describe('unitOf', () => {
  it('reads the system unit from cgroup v2 and from v1’s name=systemd line; none for a shell or a user session', () => {
    expect(unitOf('0::/system.slice/nginx.service\n')).toBe('nginx.service');
    expect(unitOf('12:name=systemd:/system.slice/caddy.service\n0::/\n')).toBe('caddy.service');
    expect(unitOf('0::/user.slice/user-1000.slice/session-3.scope\n')).toBeUndefined();
    expect(unitOf('0::/\n')).toBeUndefined();
  });
});

describe('configRefusal', () => {
  it('refuses a config not root’s alone to write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawmoat-door-'));
    try {
      const file = join(dir, 'site.conf');
      writeFileSync(file, 'server {}\n');
      chmodSync(file, 0o666);
      const asRoot = process.getuid?.() === 0;
      expect(configRefusal(file)).toMatch(asRoot ? /writable by group or others \(mode 666\)/ : /owned by uid|can be changed by/);
      chmodSync(file, 0o644);
      if (asRoot) expect(configRefusal(file)).toBeUndefined();
      expect(configRefusal(join(dir, 'missing.conf'))).toMatch(/does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
