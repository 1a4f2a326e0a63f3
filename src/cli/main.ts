import { setFlagsFromString } from 'node:v8';
import { exitWithError, runCli } from './program.js';

// A hostile YAML file (a compose file the gateway's user wrote, e.g. 'a: "' repeated 25,000
// times) makes V8 recompile one of the yaml library's regular expressions into native code
// until it dies with "RegExpCompiler Allocation failed", ending the whole audit. Interpreted
// regexps are slower only for input far bigger than any real compose file.
setFlagsFromString('--no-regexp-tier-up');

process.on('uncaughtException', exitWithError);
process.on('unhandledRejection', exitWithError);

void runCli(process.argv);
