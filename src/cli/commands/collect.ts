import type { Command } from 'commander';
import { collectOptions } from './shared.js';
import { PathOption } from '../paths.js';
import type { CollectCommandFlags } from './collect-run.js';
import { processIo } from '../io.js';

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerCollect(program: Command): void {
  const command = program
    .command('collect')
    .description('read this host (sockets, netfilter, UFW, Docker, Tailscale, sshd, OpenClaw) into a snapshot file')
    .addOption(new PathOption('-o, --output <file>', 'write the snapshot here (default: stdout)', 'output', ''))
    .option('--print-script', 'print the POSIX sh collection script (what runs on a host for --via or Ansible) and exit')
    .option('--from <script-output>', "parse the collection script's saved output (a file, or - for stdin) into a snapshot")
    .option('--via <ssh://[user@]host[:port]>', 'collect another host over your own ssh: the script runs in its sh, the output is parsed here')
    .option('--sudo', 'with --via: run the script with `sudo -n` (a login that is not root; never prompts)')
    .option('--ssh-option <Key=Value>', 'with --via: an ssh option passed to ssh (repeatable)', collectList)
    .option('--no-color', 'accepted for symmetry: a snapshot has no colours')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat collect -o host.json          # snapshot this host (root sees every socket and rule)
  $ clawmoat audit --snapshot host.json          # analyse it here or on another machine
  $ clawmoat collect --via ssh://root@vps -o vps.json          # another host, with only sh there
  $ clawmoat collect --via ssh://me@vps --sudo -o vps.json     # a login that may sudo without a password
  $ clawmoat collect --print-script > collect.sh               # read exactly what runs as root there
  $ ssh root@vps sh -s < collect.sh > vps.out && clawmoat collect --from vps.out -o vps.json

Secrets (gateway tokens, passwords) are redacted while collecting; the snapshot
never holds them. The script's raw output does (it copies the host's files): keep
it like those files, or use --via, which never writes it. Its format is
schema/snapshot.schema.json (docs/snapshot-format.md).`,
    );
  // The collectors, the script and the ssh transport load only when the command runs (collect-run.ts).
  collectOptions(command).action(async (flags: CollectCommandFlags) => {
    process.exitCode = await (await import('./collect-run.js')).runCollect(flags, processIo());
  });
}
