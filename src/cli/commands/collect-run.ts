import { collectFromScriptOutput, collectSnapshot } from '../../collect/index.js';
import { generateScript } from '../../collect/script/generate.js';
import { UserError } from '../../errors.js';
import { readUntrusted } from '../../safe-fs/read.js';
import { MAX_SNAPSHOT_BYTES, writeSnapshot } from '../../snapshot/io.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { CommandIo } from '../io.js';
import { startProgress } from '../progress.js';
import { toCollectOptions, type CollectFlags } from './shared.js';

export interface CollectCommandFlags extends CollectFlags {
  output?: string;
  printScript?: boolean;
  from?: string;
  via?: string;
  sudo?: boolean;
  sshOption?: string[];
}

/** What `clawmoat collect` does once its flags are parsed: loaded by collect.ts only when it runs. Returns the exit code. */
export async function runCollect(flags: CollectCommandFlags, io: CommandIo): Promise<0> {
  const transports = [flags.printScript, flags.from !== undefined, flags.via !== undefined].filter(Boolean).length;
  if (transports > 1) throw new UserError('--print-script, --from and --via: give one');
  if ((flags.sudo || flags.sshOption) && flags.via === undefined) throw new UserError('--sudo and --ssh-option go with --via');
  if (flags.printScript) {
    io.out(generateScript());
    return 0;
  }
  if ((flags.from !== undefined || flags.via !== undefined) && (flags.compose || flags.openclawConfig || flags.ufwStatus)) {
    throw new UserError('--compose, --openclaw-config and --ufw-status read this host; the collection script reads compose files from its working directory');
  }
  const progress = startProgress(flags.via ? `collecting ${flags.via}` : 'collecting', { enabled: io.terminal.err });
  let snapshot: Snapshot;
  try {
    if (flags.from !== undefined) snapshot = await collectFromScriptOutput(await readScriptOutput(flags.from), flags.from === '-' ? 'stdin' : flags.from);
    else if (flags.via !== undefined) snapshot = await collectViaSsh(flags.via, flags);
    else snapshot = await collectSnapshot(toCollectOptions(flags, (s) => progress.update(`collected ${s}`)));
  } finally {
    progress.stop();
  }
  if (flags.output) await writeSnapshot(flags.output, snapshot);
  else io.out(`${JSON.stringify(snapshot, null, 2)}\n`);
  return 0;
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
