import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { Command } from 'commander';
import { createColors } from 'picocolors';
import { collectRemoteFacts, checkSshd, locateGateway, type GatewayLocation, type SshdCheck } from '../../remote/remote-facts.js';
import { pickLocalPort } from '../../remote/free-port.js';
import {
  KEEPALIVE_OPTIONS,
  NO_FEATURES,
  explainSshFailure,
  forwardSpec,
  passThroughArgs,
  printableTunnelArgs,
  shellQuote,
  sshFeatures,
  sshOptions,
  tunnelArgs,
  type Forward,
  type PassThroughFlags,
  type SshFeatures,
  type SshOptions,
} from '../../remote/ssh-args.js';
import { REAL_SEAMS, TunnelProcess, TunnelSupervisor, describeEvent, stopOnSignals, type TunnelEvent } from '../../remote/tunnel.js';
import { UserError } from '../../snapshot/io.js';
import { useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { PathOption } from '../paths.js';
import { hostPort } from '../../model/addresses.js';

/**
 * `clawmoat tunnel user@host`: reach a gateway that listens on loopback on another machine,
 * the way it should, through the user's own OpenSSH. The remote host is read first (the
 * gateway's real port and bind, what sshd allows), so the tunnel points at the right place
 * and a refusal is explained before anything is started.
 */

interface TunnelFlags extends PassThroughFlags {
  print?: boolean;
  check?: boolean;
  json?: boolean;
  color?: boolean;
}

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

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function readSshFeatures(): SshFeatures {
  const version = spawnSync('ssh', ['-V'], { encoding: 'utf8', timeout: 5_000 });
  if (version.error) {
    const missing = (version.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(missing ? 'ssh is not installed on this machine (clawmoat tunnel uses your own OpenSSH client)' : `cannot run ssh: ${version.error.message}`);
  }
  return version.stderr ? sshFeatures(version.stderr) : NO_FEATURES;
}

function describeBind(g: GatewayLocation): string {
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

function warningsFor(where: string, g: GatewayLocation, s: SshdCheck): string[] {
  const warnings: string[] = [];
  if (g.exposure === 'all-interfaces' || g.exposure === 'address') {
    const what = g.exposure === 'all-interfaces' ? 'every interface' : g.binds.join(', ');
    warnings.push(`the gateway on ${where} listens on ${what}, not only on loopback: the tunnel works, but whoever reaches that host may reach the gateway too; run \`clawmoat audit\` there, and \`clawmoat harden\` to bind it to loopback`);
  }
  if (g.exposure === 'not-listening') warnings.push(`nothing listens on port ${g.port} on ${where}: is the gateway running? (the tunnel starts anyway)`);
  if (g.exposure === 'unknown') warnings.push(`the gateway's port and bind on ${where} were not checked: ss is missing or failed there; forwarding to ${g.port}`);
  if (s.forwarding === 'unknown') warnings.push(`sshd's forwarding settings on ${where} were ${s.forwardingReason}`);
  if (s.keyLogin === 'refused') warnings.push(`sshd on ${where}: ${s.keyLoginReason}`);
  return warnings;
}

/** What `ssh -G` resolves for the destination: the real host name, user, port and jump host behind an alias. */
function resolvedConfig(o: SshOptions): Record<string, string> {
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
function sshConfigBlock(o: SshOptions, forward: Forward, url: string): string {
  const resolved = resolvedConfig(o);
  const alias = `openclaw-${o.destination.host.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  const remote = hostPort(forward.remoteHost, forward.remotePort);
  const lines = [
    `# clawmoat tunnel: the OpenClaw gateway on ${o.destination.text} (${remote} there) at ${url};`,
    `# start it with: ssh -N ${alias}`,
    `Host ${alias}`,
    `  HostName ${resolved.hostname ?? o.destination.host}`,
    ...(o.destination.user ?? resolved.user ? [`  User ${o.destination.user ?? resolved.user}`] : []),
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
function getHealthz(port: number, timeoutMs: number): Promise<{ status: number; ms: number } | { error: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { 'User-Agent': 'clawmoat-tunnel-check', Connection: 'close' } }, (response) => {
      response.resume();
      response.once('end', () => resolve({ status: response.statusCode ?? 0, ms: Date.now() - started }));
      response.once('error', (error) => resolve({ error: `GET /healthz: ${error.message}` }));
    });
    request.setTimeout(timeoutMs, () => {
      request.destroy();
      resolve({ error: `no answer to GET /healthz within ${timeoutMs} ms` });
    });
    request.once('error', (error) => resolve({ error: `GET /healthz: ${error.message}` }));
  });
}

function timestamp(): string {
  return new Date().toTimeString().slice(0, 8);
}

export function registerTunnel(program: Command): void {
  program
    .command('tunnel')
    .argument('<destination>', '[user@]host, an alias from your ssh config, or ssh://[user@]host[:port]')
    .description("reach a remote OpenClaw gateway over your own ssh: find its real port and bind there, check that sshd allows the forwarding, forward it to 127.0.0.1 here and keep the tunnel up")
    .addOption(new PathOption('-F <file>', 'ssh config file, passed to ssh', 'input', 'pass your ssh config file (e.g. ~/.ssh/config)', 1024 * 1024))
    .addOption(new PathOption('-i <key>', 'identity file, passed to ssh (repeatable)', 'input', 'pass a private key file (e.g. ~/.ssh/id_ed25519)', 1024 * 1024).argParser(collectList))
    .option('-p <port>', 'ssh port, passed to ssh')
    .option('-o <option>', 'ssh option as Key=Value, passed to ssh (repeatable)', collectList)
    .option('--print', 'print the ssh command and a ~/.ssh/config block instead of running the tunnel')
    .option('--check', 'open the tunnel, fetch /healthz through it, and close it')
    .option('--json', 'with --print or --check: print the result as JSON (docs/tunnel.md)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `
Examples:
  $ clawmoat tunnel me@vps.example               # runs until Ctrl-C; prints the URL to open
  $ clawmoat tunnel -p 2222 -i ~/.ssh/vps me@vps.example
  $ clawmoat tunnel vps --check                  # an alias from ~/.ssh/config; /healthz through it
  $ clawmoat tunnel vps --print >> ~/.ssh/config # the command and a LocalForward block

Uses your own OpenSSH: your config, agent, keys and known_hosts. It never prompts (BatchMode)
and never accepts a host key known_hosts does not already hold. The local port is the
gateway's own when it is free here, else one the kernel picks; it binds 127.0.0.1 only.
A dropped connection is re-established with backoff (1 s doubling to 30 s).
Exit codes: 0 ok (or stopped with Ctrl-C), 2 usage or runtime error.`,
    )
    .action(async (destinationText: string, flags: TunnelFlags) => {
      if (flags.print && flags.check) throw new UserError('--print and --check: give one');
      if (flags.json && !flags.print && !flags.check) throw new UserError('--json goes with --print or --check (the running tunnel logs lines)');
      const o = sshOptions(destinationText, flags);
      const where = o.destination.text;
      const features = readSshFeatures();
      // Log lines and warnings go to stderr, results to stdout: each coloured only on a terminal.
      const colors = createColors(useColor(flags.color, process.stderr));
      const outColors = createColors(useColor(flags.color, process.stdout));

      const progress = startProgress(`reading ${where} over ssh`, { enabled: true });
      let facts;
      try {
        facts = await collectRemoteFacts(o, features);
      } finally {
        progress.stop();
      }
      const gateway = locateGateway(facts);
      const sshd = checkSshd(facts.sshd, gateway.forwardHost, gateway.port);
      if (sshd.forwarding === 'refused') {
        throw new UserError(`${where}: no tunnel: sshd there does not allow forwarding to ${hostPort(gateway.forwardHost, gateway.port)}: ${sshd.forwardingReason}; allow it there (AllowTcpForwarding local, PermitOpen ${hostPort(gateway.forwardHost, gateway.port)})`);
      }
      const local = await pickLocalPort(gateway.port);
      const forward: Forward = { localPort: local.port, remoteHost: gateway.forwardHost, remotePort: gateway.port };
      const url = `http://127.0.0.1:${local.port}/`;
      const report: TunnelReport = {
        schemaVersion: 1,
        destination: where,
        gateway,
        sshd: { ...sshd, source: facts.sshd.source },
        localPort: local.port,
        samePort: local.same,
        url,
        warnings: warningsFor(where, gateway, sshd),
      };
      const factLines = [
        `${where}: ${describeBind(gateway)}`,
        `${where}: sshd ${sshd.forwarding === 'allowed' ? `allows the forwarding: ${sshd.forwardingReason}` : `forwarding ${sshd.forwardingReason}`}`,
        `local port ${local.port}${local.same ? ' (the same as there)' : ` (${gateway.port} is in use here)`}`,
      ];

      if (flags.print) {
        const argv = printableTunnelArgs(o, forward);
        report.print = { command: shellQuote(argv), argv, sshConfig: sshConfigBlock(o, forward, url) };
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const w of report.warnings) process.stderr.write(`${colors.yellow('warning:')} ${w}\n`);
          // Comments and one Host block: the whole output may be appended to ~/.ssh/config.
          const comments = [...factLines, 'Run the tunnel yourself:', `  ${report.print.command}`, 'or add this block to ~/.ssh/config:'];
          process.stdout.write(`${comments.map((l) => `# ${l}`).join('\n')}\n${report.print.sshConfig}`);
        }
        return;
      }

      const args = tunnelArgs(o, forward, features);
      if (flags.check) {
        report.check = await checkThrough(args, forward, where);
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const w of report.warnings) process.stderr.write(`${colors.yellow('warning:')} ${w}\n`);
          const c = report.check;
          const verdict = c.ok ? outColors.green('ok') : outColors.red('failed');
          const outcome = c.healthz ? `/healthz answered ${c.healthz.status} in ${c.healthz.ms} ms` : c.error;
          process.stdout.write(`${factLines.join('\n')}\ntunnel ${forwardSpec(forward)}: ${outcome}\n${verdict}\n`);
        }
        if (!report.check.ok) {
          process.stderr.write(`clawmoat: ${where}: the tunnel check failed: ${report.check.error ?? `/healthz answered ${report.check.healthz?.status}`}\n`);
          process.exitCode = 2;
        }
        return;
      }

      // The running tunnel: one line per event on stderr, the URL on stdout once it is up.
      const log = (line: string) => process.stderr.write(`${colors.dim(timestamp())} ${line}\n`);
      for (const line of factLines) log(line);
      for (const w of report.warnings) log(`${colors.yellow('warning:')} ${w}`);
      let urlPrinted = false;
      const supervisor = new TunnelSupervisor({
        sshArgs: args,
        localPort: local.port,
        where,
        onEvent: (event: TunnelEvent) => {
          const line = describeEvent(event, local.port, where);
          if (event.kind === 'up') log(colors.green(line));
          else if (event.kind === 'down' || event.kind === 'channel-refused') log(colors.yellow(line));
          else log(line);
          if (event.kind === 'up' && !urlPrinted) {
            urlPrinted = true;
            log(`open ${colors.bold(url)} (Ctrl-C closes the tunnel)`);
            process.stdout.write(`${url}\n`);
          }
        },
      });
      const removeHandlers = stopOnSignals(supervisor);
      try {
        const outcome = await supervisor.run();
        if (outcome.kind === 'failed') throw new UserError(`${where}: the tunnel stopped: ${outcome.reason}`);
      } finally {
        removeHandlers();
      }
    });
}

/** --check: one ssh, no reconnects; /healthz through it; ssh ended whatever the answer. */
async function checkThrough(args: string[], forward: Forward, where: string): Promise<NonNullable<TunnelReport['check']>> {
  const proc = TunnelProcess.start(args, REAL_SEAMS);
  try {
    const state = await proc.waitUp(forward.localPort, REAL_SEAMS, 40_000);
    if (state === 'exited') {
      const { code } = await proc.exited;
      return { ok: false, error: `the tunnel did not come up: ${explainSshFailure(code, proc.stderr(), where)}` };
    }
    if (state === 'timeout') return { ok: false, error: 'the tunnel did not come up within 40 s' };
    const answer = await getHealthz(forward.localPort, 10_000);
    if ('error' in answer) {
      // ssh says why a forwarded connection failed on the other side.
      const refused = /open failed: [^\n]*/.exec(proc.stderr());
      return { ok: false, error: refused ? `${answer.error} (ssh: ${refused[0]})` : answer.error };
    }
    return answer.status >= 200 && answer.status < 300 ? { ok: true, healthz: answer } : { ok: false, healthz: answer, error: `/healthz answered ${answer.status}` };
  } finally {
    await proc.kill();
  }
}
