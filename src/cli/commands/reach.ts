import { Option, type Command } from 'commander';
import { UserError } from '../../errors.js';
import { analyseOptions, obtainSnapshot, preload } from './shared.js';
import { processIo } from '../io.js';
import { PathOption } from '../paths.js';
import { DOCUMENT_FORMATS, documentWriter, isDocumentFormat } from '../../report/html/load.js';
import type { ReachFlags } from './reach-run.js';

export function registerReach(program: Command): void {
  const command = program
    .command('reach')
    .description('who can reach each listener from each zone (loopback, internet, LAN, tailnet, Docker networks), rule by rule')
    .option('--port <port>', 'only listeners on this port (and explain them)')
    .option('--from <zone>', 'only this zone: a zone name, a kind (internet, lan, tailnet, docker), or an interface')
    .addOption(new Option('--json', 'print the whole matrix with paths as JSON (schema: docs/reach-format.md)').conflicts('format'))
    .addOption(
      new Option('-f, --format <format>', 'output format: html is one page to open offline, pdf needs Chromium')
        .choices(['text', 'json', ...DOCUMENT_FORMATS])
        .default('text'),
    )
    .addOption(new PathOption('-o, --output <file>', 'write to a file instead of stdout', 'output', ''))
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addOption(
      new Option('--fail-on-open <kind>', 'exit 1 when a gateway listener is open (or could not be decided) from a zone of this kind').choices([
        'internet',
        'lan',
        'any',
      ]),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ sudo clawmoat reach                             # the matrix for this host
  $ sudo clawmoat reach --port 18789 --from internet # explain one cell, rule by rule
  $ clawmoat reach --snapshot host.json --json | jq '.cells[] | select(.verdict=="open")'
  $ sudo clawmoat reach --zone office=eth1:192.168.1.50
  $ sudo clawmoat reach --format html -o reach.html   # the matrix as a page; click a cell for its path

Verdicts: open (a client there completes a connection), filtered (dropped or rejected
on the way), closed (reaches the host, but no socket takes it), unknown (the model cannot
decide; the reason names the rule). Exit codes: 0 done, 1 --fail-on-open matched (a gateway
cell of that kind is open, or unknown: each undecided cell is named on stderr), 2 error.`,
    );
  analyseOptions(command).action(async (flags: ReachFlags & { failOnOpen?: string }) => {
    // A typo in --port should not cost a collection.
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && (!/^\d+$/.test(flags.port!) || port < 1 || port > 65535))
      throw new UserError(`--port ${flags.port}: not a port number (1-65535)`);
    const document = isDocumentFormat(flags.format) && !flags.json ? await documentWriter(flags.format, flags.output) : undefined;
    // The model and the renderer (reach-run.ts, one chunk of the bundle) load while the snapshot is read.
    const run = preload(() => import('./reach-run.js'));
    const snapshot = await obtainSnapshot(flags, () => void run());
    process.exitCode = await (await run()).runReach(snapshot, flags, { port, document }, processIo());
  });
}
