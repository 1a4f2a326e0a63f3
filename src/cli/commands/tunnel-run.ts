import { createColors } from 'picocolors';
import { collectRemoteFacts, checkSshd, locateGateway, type GatewayLocation, type SshdCheck } from '../../remote/remote-facts.js';
import { pickLocalPort } from '../../remote/free-port.js';
import { forwardSpec, printableTunnelArgs, shellQuote, sshOptions, tunnelArgs, type Forward, type PassThroughFlags } from '../../remote/ssh-args.js';
import { TunnelSupervisor, describeEvent, stopOnSignals, type TunnelEvent } from '../../remote/tunnel.js';
import { UserError } from '../../errors.js';
import { sanitize } from '../../report/common.js';
import type { CommandIo } from '../io.js';
import { useColor } from '../output.js';
import { startProgress } from '../progress.js';
import { hostPort } from '../../model/addresses.js';
import { readSshFeatures, describeBind, warningsFor, sshConfigBlock, checkThrough, type TunnelReport } from '../../remote/tunnel-check.js';

/**
 * `clawmoat tunnel user@host`: reach a gateway that listens on loopback on another machine,
 * the way it should, through the user's own OpenSSH. The remote host is read first (the
 * gateway's real port and bind, what sshd allows), so the tunnel points at the right place
 * and a refusal is explained before anything is started.
 */

export interface TunnelFlags extends PassThroughFlags {
  print?: boolean;
  check?: boolean;
  json?: boolean;
  color?: boolean;
}

function timestamp(now: number): string {
  return new Date(now).toTimeString().slice(0, 8);
}

/**
 * What was found, as text for the terminal (and, with --print, for ~/.ssh/config): what the remote
 * host says — its gateway process's name, sshd's words — is the remote gateway user's to choose, so
 * no control character of it reaches either (the --json report keeps it, escaped as JSON).
 */
export function tunnelFactLines(where: string, gateway: GatewayLocation, sshd: SshdCheck, local: { port: number; same: boolean }): string[] {
  return [
    `${where}: ${describeBind(gateway)}`,
    `${where}: sshd ${sshd.forwarding === 'allowed' ? `allows the forwarding: ${sshd.forwardingReason}` : `forwarding ${sshd.forwardingReason}`}`,
    `local port ${local.port}${local.same ? ' (the same as there)' : ` (${gateway.port} is in use here)`}`,
  ].map((line) => sanitize(line));
}

/** Returns the exit code: 0 ok (or stopped with Ctrl-C), 2 when --check found the tunnel broken. */
export async function runTunnel(destinationText: string, flags: TunnelFlags, io: CommandIo): Promise<0 | 2> {
  if (flags.print && flags.check) throw new UserError('--print and --check: give one');
  if (flags.json && !flags.print && !flags.check) throw new UserError('--json goes with --print or --check (the running tunnel logs lines)');
  const o = sshOptions(destinationText, flags);
  const where = o.destination.text;
  const features = readSshFeatures();
  // Log lines and warnings go to stderr, results to stdout: each coloured only on a terminal.
  const colors = createColors(useColor(flags.color, io, 'err'));
  const outColors = createColors(useColor(flags.color, io, 'out'));

  const progress = startProgress(`reading ${where} over ssh`, { enabled: io.terminal.err });
  let facts;
  try {
    facts = await collectRemoteFacts(o, features);
  } finally {
    progress.stop();
  }
  const gateway = locateGateway(facts);
  const sshd = checkSshd(facts.sshd, gateway.forwardHost, gateway.port);
  if (sshd.forwarding === 'refused') {
    throw new UserError(
      `${where}: no tunnel: sshd there does not allow forwarding to ${hostPort(gateway.forwardHost, gateway.port)}: ${sshd.forwardingReason}; allow it there (AllowTcpForwarding local, PermitOpen ${hostPort(gateway.forwardHost, gateway.port)})`,
    );
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
  const factLines = tunnelFactLines(where, gateway, sshd, local);
  const warnings = report.warnings.map((w) => sanitize(w));

  if (flags.print) {
    const argv = printableTunnelArgs(o, forward);
    report.print = { command: shellQuote(argv), argv, sshConfig: sshConfigBlock(o, forward, url) };
    if (flags.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else {
      for (const w of warnings) io.err(`${colors.yellow('warning:')} ${w}\n`);
      // Comments and one Host block: the whole output may be appended to ~/.ssh/config.
      const comments = [...factLines, 'Run the tunnel yourself:', `  ${report.print.command}`, 'or add this block to ~/.ssh/config:'];
      io.out(`${comments.map((l) => `# ${l}`).join('\n')}\n${report.print.sshConfig}`);
    }
    return 0;
  }

  const args = tunnelArgs(o, forward, features);
  if (flags.check) {
    report.check = await checkThrough(args, forward, where);
    if (flags.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else {
      for (const w of warnings) io.err(`${colors.yellow('warning:')} ${w}\n`);
      const c = report.check;
      const verdict = c.ok ? outColors.green('ok') : outColors.red('failed');
      const outcome = sanitize(c.healthz ? `/healthz answered ${c.healthz.status} in ${c.healthz.ms} ms` : (c.error ?? ''));
      io.out(`${factLines.join('\n')}\ntunnel ${forwardSpec(forward)}: ${outcome}\n${verdict}\n`);
    }
    if (!report.check.ok) {
      io.err(`clawmoat: ${where}: the tunnel check failed: ${sanitize(report.check.error ?? `/healthz answered ${report.check.healthz?.status}`)}\n`);
      return 2;
    }
    return 0;
  }

  // The running tunnel: one line per event on stderr, the URL on stdout once it is up.
  const log = (line: string) => io.err(`${colors.dim(timestamp(io.now()))} ${line}\n`);
  for (const line of factLines) log(line);
  for (const w of warnings) log(`${colors.yellow('warning:')} ${w}`);
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
        io.out(`${url}\n`);
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
  return 0;
}
