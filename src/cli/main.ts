#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { TOOL_VERSION } from '../version.js';

// A hostile YAML file (a compose file the gateway's user wrote, e.g. 'a: "' repeated 25,000
// times) makes V8 recompile one of the yaml library's regular expressions into native code
// until it dies with "RegExpCompiler Allocation failed", ending the whole audit. Interpreted
// regexps are slower only for input far bigger than any real compose file.
setFlagsFromString('--no-regexp-tier-up');

const args = process.argv.slice(2);
// `clawmoat --version` alone prints what commander would print, without loading commander or
// the command tree; everything else goes through program.ts.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${TOOL_VERSION}\n`);
else void import('./program.js').then(({ runCli }) => runCli(process.argv));
