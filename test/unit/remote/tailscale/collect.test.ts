import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectTailscale, daemonDown } from '../../../../src/collect/tailscale.js';

/**
 * The collector against a stand-in `tailscale` on PATH: a shell script that prints the
 * fixtures (the documented JSON) or fails the way the real CLI does when tailscaled is down.
 */

const FIXTURES = new URL('../../../fixtures/tailscale/', import.meta.url).pathname;
const savedPath = process.env.PATH;
let dir: string | undefined;

function fakeTailscale(script: string): void {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-ts-'));
  if (script) {
    writeFileSync(join(dir, 'tailscale'), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, 'tailscale'), 0o755);
  }
  process.env.PATH = `${dir}:/usr/bin:/bin`;
}

afterEach(() => {
  process.env.PATH = savedPath;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('collectTailscale', () => {
  it('not installed: one line', async () => {
    fakeTailscale('');
    expect(await collectTailscale()).toEqual({ status: 'unavailable', reason: 'not-installed', detail: 'tailscale is not installed' });
  });

  it('tailscaled not running: one line naming the daemon, not two failures', async () => {
    fakeTailscale(`echo "failed to connect to local tailscaled; it doesn't appear to be running (sudo systemctl start tailscaled ?)" >&2; exit 1`);
    const result = await collectTailscale();
    expect(result).toEqual({
      status: 'unavailable',
      reason: 'not-running',
      detail: 'tailscaled is not running (tailscale status --json: failed to connect to local tailscaled); Serve and Funnel were not checked',
    });
  });

  it('running: keeps Self (with Tags) but not the peers; `null` serve status is an empty config', async () => {
    fakeTailscale(`case "$1" in status) cat '${FIXTURES}status-tagged.json';; serve) cat '${FIXTURES}serve-none.json';; esac`);
    const result = await collectTailscale();
    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.data.status).toEqual({
      status: 'ok',
      data: {
        Version: '1.86.2-t1234567890-gabcdef012',
        BackendState: 'Running',
        TailscaleIPs: ['100.101.102.103'],
        MagicDNSSuffix: 'tail1234.ts.net',
        CurrentTailnet: { Name: 'example.com', MagicDNSSuffix: 'tail1234.ts.net', MagicDNSEnabled: true },
        Self: { HostName: 'gw', DNSName: 'gw.tail1234.ts.net.', TailscaleIPs: ['100.101.102.103'], Online: true, OS: 'linux', Tags: ['tag:openclaw-gateway'] },
      },
    });
    expect(result.data.serve).toEqual({ status: 'ok', data: {} });
  });

  it('drops the peer list and user map of a full status', async () => {
    fakeTailscale(`case "$1" in status) cat '${FIXTURES}status-running.json';; serve) cat '${FIXTURES}serve-funnel-gateway.json';; esac`);
    const result = await collectTailscale();
    if (result.status !== 'ok' || result.data.status.status !== 'ok') throw new Error('expected ok');
    expect(Object.keys(result.data.status.data)).not.toContain('Peer');
    expect(Object.keys(result.data.status.data)).not.toContain('User');
    expect(result.data.serve).toMatchObject({ status: 'ok', data: { AllowFunnel: { 'gw.tail1234.ts.net:8443': true } } });
  });

  it("knows the CLI's words for a daemon that is down", () => {
    expect(daemonDown("failed to connect to local tailscaled; it doesn't appear to be running")).toBe(true);
    expect(daemonDown('dial unix /var/run/tailscale/tailscaled.sock: connect: no such file or directory')).toBe(true);
    expect(daemonDown('dial unix /var/run/tailscale/tailscaled.sock: connect: connection refused')).toBe(true);
    expect(daemonDown('serve config denied')).toBe(false);
  });
});
