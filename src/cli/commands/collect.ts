import type { Command } from 'commander';
import { collectSnapshot } from '../../collect/index.js';
import { writeSnapshot } from '../../snapshot/io.js';
import { startProgress } from '../progress.js';
import { collectOptions, toCollectOptions, type CollectFlags } from './shared.js';
import { PathOption } from '../paths.js';

export function registerCollect(program: Command): void {
  const command = program
    .command('collect')
    .description('read this host (sockets, netfilter, UFW, Docker, Tailscale, sshd, OpenClaw) into a snapshot file')
    .addOption(new PathOption('-o, --output <file>', 'write the snapshot here (default: stdout)', 'output', ''))
    .option('--no-color', 'accepted for symmetry: a snapshot has no colours')
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat collect -o host.json          # snapshot this host (root sees every socket and rule)
  $ clawmoat audit --snapshot host.json          # analyse it here or on another machine

Secrets (gateway tokens, passwords) are redacted while collecting; the snapshot
never holds them. Its format is schema/snapshot.schema.json (docs/snapshot-format.md).`,
    );
  collectOptions(command).action(async (flags: CollectFlags & { output?: string }) => {
    const progress = startProgress('collecting', { enabled: true });
    try {
      const snapshot = await collectSnapshot(toCollectOptions(flags, (s) => progress.update(`collected ${s}`)));
      progress.stop();
      if (flags.output) await writeSnapshot(flags.output, snapshot);
      else process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
    } finally {
      progress.stop();
    }
  });
}
