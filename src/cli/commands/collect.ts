import type { Command } from 'commander';
import { collectFromScriptOutput, collectSnapshot } from '../../collect/index.js';
import { generateScript } from '../../collect/script/generate.js';
import { UserError } from '../../errors.js';
import { readUntrusted } from '../../safe-fs/read.js';
import { MAX_SNAPSHOT_BYTES, writeSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/types.js';
import { startProgress } from '../progress.js';
import { collectOptions, toCollectOptions, type CollectFlags } from './shared.js';
import { PathOption } from '../paths.js';

interface CollectCommandFlags extends CollectFlags {
  output?: string;
  printScript?: boolean;
  from?: string;
  via?: string;
  sudo?: boolean;
  sshOption?: string[];
}

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
  collectOptions(command).action(async (flags: CollectCommandFlags) => {
    const transports = [flags.printScript, flags.from !== undefined, flags.via !== undefined].filter(Boolean).length;
    if (transports > 1) throw new UserError('--print-script, --from and --via: give one');
    if ((flags.sudo || flags.sshOption) && flags.via === undefined) throw new UserError('--sudo and --ssh-option go with --via');
    if (flags.printScript) {
      process.stdout.write(generateScript());
      return;
    }
    if ((flags.from !== undefined || flags.via !== undefined) && (flags.compose || flags.openclawConfig || flags.ufwStatus)) {
      throw new UserError('--compose, --openclaw-config and --ufw-status read this host; the collection script reads compose files from its working directory');
    }
    const progress = startProgress(flags.via ? `collecting ${flags.via}` : 'collecting', { enabled: true });
    let snapshot: Snapshot;
    try {
      if (flags.from !== undefined) snapshot = await collectFromScriptOutput(await readScriptOutput(flags.from), flags.from === '-' ? 'stdin' : flags.from);
      else if (flags.via !== undefined) snapshot = await collectViaSsh(flags.via, flags);
      else snapshot = await collectSnapshot(toCollectOptions(flags, (s) => progress.update(`collected ${s}`)));
    } finally {
      progress.stop();
    }
    if (flags.output) await writeSnapshot(flags.output, snapshot);
    else process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  });
}

async function collectViaSsh(via: string, flags: CollectCommandFlags): Promise<Snapshot> {
  if (!/^ssh:\/\//.test(via)) throw new UserError(`--via ${via}: expected ssh://[user@]host[:port]`);
  const [{ sshOptions }, { readSshFeatures }, { collectVia }] = await Promise.all([
    import('../../remote/ssh-args.js'),
    import('../../remote/tunnel-check.js'),
    import('../../remote/collect-via.js'),
  ]);
  let options;
  try {
    options = sshOptions(via, { o: flags.sshOption ?? [] });
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`--via ${error.message}`);
    throw error;
  }
  return collectVia(options, readSshFeatures(), { sudo: flags.sudo === true });
}

async function readScriptOutput(from: string): Promise<Buffer> {
  if (from === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const read = await readUntrusted(from, { maxBytes: MAX_SNAPSHOT_BYTES });
  if (!read.ok)
    throw new UserError(`--from ${from}: ${read.reason === 'not-found' ? 'no such file' : read.detail}; pass the saved output of the collection script`);
  return read.data;
}
