import type { Command } from 'commander';
import { processIo } from '../io.js';
import { PathOption } from '../paths.js';
import type { TunnelFlags } from './tunnel-run.js';

/** `clawmoat tunnel`: its options; the run (ssh, the remote facts, the supervisor) is tunnel-run.ts, loaded when it runs. */

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerTunnel(program: Command): void {
  program
    .command('tunnel')
    .argument('<destination>', '[user@]host, an alias from your ssh config, or ssh://[user@]host[:port]')
    .description(
      'reach a remote OpenClaw gateway over your own ssh: find its real port and bind there, check that sshd allows the forwarding, forward it to 127.0.0.1 here and keep the tunnel up',
    )
    .addOption(new PathOption('-F <file>', 'ssh config file, passed to ssh', 'input', 'pass your ssh config file (e.g. ~/.ssh/config)', 1024 * 1024))
    .addOption(
      new PathOption(
        '-i <key>',
        'identity file, passed to ssh (repeatable)',
        'input',
        'pass a private key file (e.g. ~/.ssh/id_ed25519)',
        1024 * 1024,
      ).argParser(collectList),
    )
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
      process.exitCode = await (await import('./tunnel-run.js')).runTunnel(destinationText, flags, processIo());
    });
}
