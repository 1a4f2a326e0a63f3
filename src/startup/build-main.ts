#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { buildStartupSnapshot, removeStartupSnapshot, type StartupFiles } from './build.js';

/** Set by scripts/bundle.mjs: where this build's blob goes. */
declare const __CLAWMOAT_STARTUP__: StartupFiles;

const HELP = `Usage: clawmoat-startup-snapshot [--remove]

Builds clawmoat's startup snapshot: a V8 heap with the CLI already loaded and the
common commands compiled, so \`clawmoat\` starts in about half the time (the
blob is specific to this clawmoat and to this node binary). Run it as root
after installing or upgrading clawmoat or node; clawmoat runs without it (and
as before) whenever the blob is missing, stale, or not root's own.

Options:
  --remove    remove this clawmoat's blob
  -h, --help  display this help

Examples:
  $ sudo clawmoat-startup-snapshot
  $ sudo clawmoat-startup-snapshot --remove

Writes: ${__CLAWMOAT_STARTUP__.blob} (and a link to node beside it);
removes other clawmoat builds' blobs from that directory.
Exit codes: 0 done, 2 usage or runtime error.
`;

function main(): void {
  const { values } = parseArgs({ options: { remove: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.remove) {
    process.stdout.write(`${removeStartupSnapshot(__CLAWMOAT_STARTUP__)}\n`);
    return;
  }
  const bundleDir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  process.stdout.write(`${buildStartupSnapshot(__CLAWMOAT_STARTUP__, { bundleDir, node: process.execPath, version: TOOL_VERSION })}\n`);
}

try {
  main();
} catch (error) {
  const message =
    error instanceof UserError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? (error as Error).message
      : `internal error: ${String(error)}`;
  process.stderr.write(`clawmoat-startup-snapshot: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}
