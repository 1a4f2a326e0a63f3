import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { hostPort } from '../model/addresses.js';
import { UserError } from '../errors.js';
import type { GatewayLocation, SshdCheck } from './remote-facts.js';
import {
  explainSshFailure,
  KEEPALIVE_OPTIONS,
  NO_FEATURES,
  passThroughArgs,
  sshFeatures,
  type Forward,
  type SshFeatures,
  type SshOptions,
} from './ssh-args.js';
import { REAL_SEAMS, TunnelProcess, portTaken } from './tunnel.js';

/**
 * What \`clawmoat tunnel\` knows besides its flags: the local ssh's features, how the remote
 * gateway's bind reads, what to warn about, the ~/.ssh/config block that gives the same tunnel,
 * and --check's /healthz through a one-shot tunnel. The CLI command only orchestrates these.
 */

/** `--json` of --print and --check (docs/tunnel.md). */
export interface TunnelReport {
  schemaVersion: 1;
  destination: string;
  gateway: GatewayLocation;
  sshd: SshdCheck & { source: string };
  localPort: number;
  /** The local port is the remote one (it was free here). */
  samePort: boolean;
  url: string;
  warnings: string[];
  print?: { command: string; argv: string[]; sshConfig: string };
  check?: { ok: boolean; healthz?: { status: number; ms: number }; error?: string };
}

export function readSshFeatures(): SshFeatures {
  const version = spawnSync('ssh', ['-V'], { encoding: 'utf8', timeout: 5_000 });
  if (version.error) {
    const missing = (version.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing ? 'ssh is not installed on this machine (clawmoat tunnel uses your own OpenSSH client)' : `cannot run ssh: ${version.error.message}`,
    );
  }
  return version.stderr ? sshFeatures(version.stderr) : NO_FEATURES;
}

export function describeBind(g: GatewayLocation): string {
  const binds = g.binds.map((b) => hostPort(b, g.port)).join(', ');
  switch (g.exposure) {
    case 'loopback':
      return `the gateway listens on ${binds} there (${g.portSource}): loopback only`;
    case 'all-interfaces':
      return `the gateway listens on ${binds} there (${g.portSource}): every interface`;
    case 'address':
      return `the gateway listens on ${binds} there (${g.portSource})`;
    case 'not-listening':
      return `nothing listens on port ${g.port} there (${g.portSource})`;
    case 'unknown':
      return `the gateway's bind there is unknown; port ${g.port} (${g.portSource})`;
  }
}

export function warningsFor(where: string, g: GatewayLocation, s: SshdCheck): string[] {
  const warnings: string[] = [];
  if (g.exposure === 'all-interfaces' || g.exposure === 'address') {
    const what = g.exposure === 'all-interfaces' ? 'every interface' : g.binds.join(', ');
    warnings.push(
      `the gateway on ${where} listens on ${what}, not only on loopback: the tunnel works, but whoever reaches that host may reach the gateway too; run \`clawmoat audit\` there, and \`clawmoat harden\` to bind it to loopback`,
    );
  }
  if (g.exposure === 'not-listening') warnings.push(`nothing listens on port ${g.port} on ${where}: is the gateway running? (the tunnel starts anyway)`);
  if (g.exposure === 'unknown')
    warnings.push(`the gateway's port and bind on ${where} were not checked: ss is missing or failed there; forwarding to ${g.port}`);
  if (s.forwarding === 'unknown') warnings.push(`sshd's forwarding settings on ${where} were ${s.forwardingReason}`);
  if (s.keyLogin === 'refused') warnings.push(`sshd on ${where}: ${s.keyLoginReason}`);
  return warnings;
}

/** What `ssh -G` resolves for the destination: the real host name, user, port and jump host behind an alias. */
export function resolvedConfig(o: SshOptions): Record<string, string> {
  const args = [...passThroughArgs(o), '-G', '--', o.destination.user ? `${o.destination.user}@${o.destination.host}` : o.destination.host];
  const out = spawnSync('ssh', args, { encoding: 'utf8', timeout: 5_000 });
  const config: Record<string, string> = {};
  if (out.status !== 0 || !out.stdout) return config;
  for (const line of out.stdout.split('\n')) {
    const m = /^(hostname|user|port|proxyjump) (.+)$/.exec(line.trim());
    if (m) config[m[1]!] = m[2]!;
  }
  return config;
}

/** A ~/.ssh/config block under its own alias: a LocalForward on the usual Host would bind on every login there. */
export function sshConfigBlock(o: SshOptions, forward: Forward, url: string): string {
  const resolved = resolvedConfig(o);
  const alias = `openclaw-${o.destination.host.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  const remote = hostPort(forward.remoteHost, forward.remotePort);
  const lines = [
    `# clawmoat tunnel: the OpenClaw gateway on ${o.destination.text} (${remote} there) at ${url};`,
    `# start it with: ssh -N ${alias}`,
    `Host ${alias}`,
    `  HostName ${resolved.hostname ?? o.destination.host}`,
    ...((o.destination.user ?? resolved.user) ? [`  User ${o.destination.user ?? resolved.user}`] : []),
    ...(o.port !== undefined || (resolved.port && resolved.port !== '22') ? [`  Port ${o.port ?? resolved.port}`] : []),
    ...(resolved.proxyjump && resolved.proxyjump !== 'none' ? [`  ProxyJump ${resolved.proxyjump}`] : []),
    ...o.identities.map((i) => `  IdentityFile ${i}`),
    ...o.options.map((opt) => `  ${opt.replace('=', ' ')}`),
    `  LocalForward 127.0.0.1:${forward.localPort} ${remote}`,
    '  ExitOnForwardFailure yes',
    ...KEEPALIVE_OPTIONS.map((opt) => `  ${opt.replace('=', ' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** GET /healthz through the tunnel. */
export function getHealthz(port: number, timeoutMs: number): Promise<{ status: number; ms: number } | { error: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { 'User-Agent': 'clawmoat-tunnel-check', Connection: 'close' } },
      (response) => {
        response.resume();
        response.once('end', () => resolve({ status: response.statusCode ?? 0, ms: Date.now() - started }));
        response.once('error', (error) => resolve({ error: `GET /healthz: ${error.message}` }));
      },
    );
    request.setTimeout(timeoutMs, () => {
      request.destroy();
      resolve({ error: `no answer to GET /healthz within ${timeoutMs} ms` });
    });
    request.once('error', (error) => resolve({ error: `GET /healthz: ${error.message}` }));
  });
}

/** --check: one ssh, no reconnects; /healthz through it; ssh ended whatever the answer. */
export async function checkThrough(args: string[], forward: Forward, where: string): Promise<NonNullable<TunnelReport['check']>> {
  const proc = TunnelProcess.start(args, REAL_SEAMS);
  try {
    const state = await proc.waitUp(forward.localPort, REAL_SEAMS, 40_000);
    if (state === 'exited') {
      const { code } = await proc.exited;
      return { ok: false, error: `the tunnel did not come up: ${explainSshFailure(code, proc.stderr(), where)}` };
    }
    if (state === 'timeout') return { ok: false, error: 'the tunnel did not come up within 40 s' };
    if (state === 'taken') return { ok: false, error: portTaken(forward.localPort) };
    const answer = await getHealthz(forward.localPort, 10_000);
    if ('error' in answer) {
      // ssh says why a forwarded connection failed on the other side.
      const refused = /open failed: [^\n]*/.exec(proc.stderr());
      return { ok: false, error: refused ? `${answer.error} (ssh: ${refused[0]})` : answer.error };
    }
    return answer.status >= 200 && answer.status < 300
      ? { ok: true, healthz: answer }
      : { ok: false, healthz: answer, error: `/healthz answered ${answer.status}` };
  } finally {
    await proc.kill();
  }
}
