import { describe, expect, it } from 'vitest';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { auditSnapshot } from '../../../src/audit.js';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { hostRecording } from '../collect/recording.js';

/**
 * The vault's values are chosen by whoever writes the gateway's environment and config. A value made
 * equal to a fact of the host must not scrub that fact: `OPENCLAW_PLUGIN_API_KEY=0.0.0.0` used to turn
 * the gateway's wildcard socket into `[REDACTED]`, and reach called the open gateway closed.
 */
describe('the secret scrub never rewrites the host facts the audit judges', () => {
  it('a "secret" equal to the gateway socket\'s address leaves the address as it is, and the audit says why it is unmasked', async () => {
    const snapshot = await collectFromScriptOutput(hostRecording([], { gatewayEnv: ['OPENCLAW_PLUGIN_API_KEY=0.0.0.0'] }), 'vps1.out');
    expect(snapshot.sockets.status === 'ok' && snapshot.sockets.data.map((s) => s.address)).toEqual(['0.0.0.0']);
    expect(snapshot.unmaskedSecrets).toEqual([{ length: 7 }]);
    // The real token is still masked everywhere, and the chosen value still hidden where it was a secret.
    expect(JSON.stringify(snapshot)).not.toContain('f'.repeat(48));
    expect(snapshot.openclaw.processes[0]?.env).toMatchObject({ status: 'ok', data: { OPENCLAW_PLUGIN_API_KEY: { $redacted: true, length: 7 } } });

    const report = auditSnapshot(snapshot);
    expect(report.gateway.listeners).toEqual([expect.stringContaining('0.0.0.0:18789')]);
    expect(report.checks.find((c) => c.id === 'gateway.bind.public')?.result).toBe('fail');
    expect(report.limitations).toContainEqual(expect.stringMatching(/^1 value\(s\) held as secrets \(of 7 characters.*may be an attempt to hide an exposure/));
  });

  it('a host with no such value has no unmasked secrets and no limitation about them', async () => {
    const snapshot = await collectFromScriptOutput(hostRecording(), 'vps1.out');
    expect(snapshot.unmaskedSecrets).toBeUndefined();
    expect(auditSnapshot(snapshot).limitations.join('\n')).not.toMatch(/held as secrets/);
  });

  it('spare() forgets only the values that occur in a fact (as they are or JSON-escaped) and reports their lengths, never the values', () => {
    const vault = new SecretVault();
    for (const v of ['ACCEPT', 'a-real-token-0123456789', 'say "hi" now']) vault.remember(v);
    const forgotten = vault.spare(['-A INPUT -j ACCEPT', 'comment "say \\"hi\\" now"']);
    expect(forgotten.sort((a, b) => a - b)).toEqual([6, 12]);
    expect(vault.values()).toEqual(['a-real-token-0123456789']);
    expect(vault.scrubText('-j ACCEPT a-real-token-0123456789')).toBe('-j ACCEPT [REDACTED]');
  });

  it('spare() finds a value only inside one fact, never across two, and lists them as the facts meet them', () => {
    const vault = new SecretVault();
    for (const v of ['0.0.0.0:80', 'deny all', 'site1\0site2', 'tokenABC']) vault.remember(v);
    // "token" ends one fact and "ABC" starts the next: no fact holds "tokenABC".
    const forgotten = vault.spare(['listen deny all', 'x token', 'ABC', 'site1\0site2', 'bind 0.0.0.0:80']);
    expect(forgotten).toEqual([8, 11, 10]);
    expect(vault.values()).toEqual(['tokenABC']);
  });
});
