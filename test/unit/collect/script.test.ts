import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectFromScriptOutput } from '../../../src/collect/index.js';
import { FORMAT_LINE, frameOutput, isScriptOutput, parseFrames } from '../../../src/collect/script/frame.js';
import { ALL_READS, generateScript } from '../../../src/collect/script/generate.js';
import { UserError } from '../../../src/errors.js';
import { hostRecording, output } from './recording.js';
import { HIDDEN_SECRETS, HIDDEN_SECRETS_CONFIG, KEPT_VALUES } from '../../fixtures/builders/secret-config.js';

const opName = fc.stringMatching(/^[a-z]{1,8}$/);
const status = fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/);
const record = fc.tuple(
  opName,
  status,
  fc.string(),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);

describe('the collection output framing', () => {
  it('round-trips any records, whatever bytes their ids and data hold', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        const parsed = parseFrames(output(records), 'test.out');
        expect(parsed.map((r) => [r.op, r.status, r.id, Buffer.from(r.data)])).toEqual(records.map(([o, s, i, d]) => [o, s, i, Buffer.from(d)]));
      }),
    );
  });

  it('reads a forged record or end line inside a file as that file', () => {
    const forged = `x\nR read ok 11 3\n/etc/shadowabc\nE 1\n${FORMAT_LINE}\nR docker 200 8 2\n/version{}\n`;
    const parsed = parseFrames(
      output([
        ['read', 'ok', '/home/u/.env', forged],
        ['which', 'missing', 'tailscale', ''],
      ]),
      'host.out',
    );
    expect(parsed).toHaveLength(2);
    expect(parsed[0]!.data.toString()).toBe(forged);
    expect(parsed[1]!.op).toBe('which');
  });

  it('refuses every truncation of an output, in one line', () => {
    const whole = output([
      ['fact', 'ok', 'hostname', 'vps'],
      ['run', '0', 'ss -H -l -n -t -u -p', 'tcp LISTEN 0 4096 0.0.0.0:18789 0.0.0.0:*\n'],
      ['read', 'ok', '/etc/ufw/ufw.conf', 'ENABLED=yes\n'],
    ]);
    expect(parseFrames(whole, 'h.out')).toHaveLength(3);
    fc.assert(
      fc.property(fc.integer({ min: FORMAT_LINE.length + 1, max: whole.length - 1 }), (cut) => {
        expect(() => parseFrames(whole.subarray(0, cut), 'h.out')).toThrow(UserError);
        try {
          parseFrames(whole.subarray(0, cut), 'h.out');
        } catch (error) {
          expect((error as Error).message).not.toContain('\n');
          expect((error as Error).message).toMatch(/^h\.out: /);
        }
      }),
    );
  });

  it('refuses an end line that miscounts, output after it, and a file that is not an output', () => {
    const one = frameOutput([{ op: 'fact', status: 'ok', id: 'pid', data: '1' }]);
    expect(() => parseFrames(Buffer.from(one.toString().replace('E 1', 'E 2')), 'a')).toThrow(/truncated/);
    expect(() => parseFrames(Buffer.concat([one, Buffer.from('more\n')]), 'a')).toThrow(/after its end line/);
    // A header that says more bytes than there are, or fewer: the end line is not where it must be.
    expect(() => parseFrames(Buffer.from(one.toString().replace('R fact ok 3 1', 'R fact ok 3 2')), 'a')).toThrow(/truncated/);
    expect(() => parseFrames(Buffer.from(one.toString().replace('R fact ok 3 1', 'R fact ok 3 0')), 'a')).toThrow(/truncated/);
    expect(() => parseFrames(Buffer.from('{"schemaVersion":1}\n'), 'snap.json')).toThrow(/not the output of/);
    expect(isScriptOutput(frameOutput([]))).toBe(true);
    expect(isScriptOutput('{}')).toBe(false);
  });
});

describe('the collection script', () => {
  it('runs every declared command, reads every declared file, and changes nothing', () => {
    const script = generateScript();
    for (const reads of ALL_READS) {
      for (const c of reads.commands ?? []) expect(script).toContain(`run_cmd ${Math.max(1, Math.ceil((c.timeoutMs ?? 3000) / 1000))} '${c.argv.join("' '")}'`);
      for (const f of reads.files ?? []) expect(script).toContain(`read_file '${f}'`);
    }
    // Only reads: nothing in it writes outside its own temp directory, or installs, or enables.
    expect(script).not.toMatch(/\b(rm -rf \/|apt-get|systemctl|ufw enable|iptables -[AIDF]|nft (add|delete|flush))\b/);
    // Its temp directory goes on every exit, and its watchdog with it.
    expect(script).toMatch(/trap '.*kill \$WD.*rm -rf "\$T"' EXIT/);
  });
});

describe('collectors parsing a recording (collect --from)', () => {
  it('reads each section as the collectors read this machine, and redacts the same', async () => {
    const snapshot = await collectFromScriptOutput(hostRecording(), 'vps1.out');
    expect(snapshot.host).toEqual({ hostname: 'vps1', kernel: '6.1.0-test', uid: 0, platform: 'linux' });
    expect(snapshot.sockets).toEqual({
      status: 'ok',
      data: [{ protocol: 'tcp', address: '0.0.0.0', port: 18789, family: 4, pid: 4242, process: 'node', cmdline: ['openclaw-gateway', '--port', '18789'] }],
    });
    // A program that is not there, a dump that hung, a dump refused for lack of root: each says so.
    expect(snapshot.netfilter.ipsetSave).toMatchObject({ status: 'unavailable', reason: 'not-installed' });
    expect(snapshot.netfilter.iptablesSave).toMatchObject({ status: 'unavailable', reason: 'timeout' });
    expect(snapshot.netfilter.nftRuleset).toMatchObject({ status: 'unavailable', reason: 'permission-denied' });
    expect(snapshot.ufw.status === 'ok' && snapshot.ufw.data.files.enabledInConfig).toBe(true);
    expect(snapshot.ufw.status === 'ok' && snapshot.ufw.data.files.ruleFiles['user.rules']).toMatchObject({
      status: 'unavailable',
      reason: 'permission-denied',
    });
    expect(snapshot.tailscale).toMatchObject({ status: 'unavailable', reason: 'not-installed' });
    expect(snapshot.docker).toMatchObject({ status: 'unavailable', reason: 'not-running' });
    expect(snapshot.sshd.status === 'ok' && snapshot.sshd.data.effective).toMatchObject({ status: 'ok', data: { passwordauthentication: ['no'] } });
    expect(snapshot.openclaw.processes.map((p) => [p.pid, p.user, p.cwd])).toEqual([[4242, 'claw', '/home/claw']]);
    expect(snapshot.openclaw.config).toMatchObject({ status: 'ok', data: { path: '/home/claw/.openclaw/openclaw.json' } });
    expect(JSON.stringify(snapshot)).not.toContain('f'.repeat(48));
  });

  it('keeps no secret of the config read by the script: env maps, URL queries and userinfo, webhook paths', async () => {
    const snapshot = await collectFromScriptOutput(hostRecording([], { config: HIDDEN_SECRETS_CONFIG }), 'vps1.out');
    expect(snapshot.openclaw.config).toMatchObject({ status: 'ok', data: { path: '/home/claw/.openclaw/openclaw.json' } });
    const text = JSON.stringify(snapshot);
    for (const [name, value] of Object.entries(HIDDEN_SECRETS)) expect(text.includes(value), name).toBe(false);
    for (const value of KEPT_VALUES) expect(text, value).toContain(value);
  });

  it('lists every read the recording lacks, and the section it fed is unavailable, never passing for empty', async () => {
    const snapshot = await collectFromScriptOutput(hostRecording(), 'vps1.out');
    // Not recorded above: the sysctls, ip's dumps, the config's .env... each listed.
    expect(snapshot.collection?.transport).toBe('script');
    expect(snapshot.collection?.missing).toEqual(expect.arrayContaining(['run ip -j -d addr', 'read /proc/sys/net/ipv4/ip_forward']));
    expect(snapshot.network.interfaces).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/not read by the collection script/) as string });
  });

  it('says when the host has no curl for the Docker API', async () => {
    const recording = hostRecording().toString('latin1').replace('R docker down 8 0\n', 'R docker noclient 8 0\n');
    const snapshot = await collectFromScriptOutput(Buffer.from(recording, 'latin1'), 'vps1.out');
    expect(snapshot.docker).toMatchObject({ status: 'unavailable', detail: expect.stringMatching(/curl/) as string });
  });
});
