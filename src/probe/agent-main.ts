#!/usr/bin/env node
// The namespace agent as a program of its own (dist/probe-agent.mjs, bundled by scripts/bundle.mjs;
// dist/probe/agent-main.js unbundled): it loads the probe code and nothing else of the CLI, so it
// is ready sooner than `clawmoat probe-agent` would be.
import { runAgent } from './agent.js';

runAgent(process.stdin, process.stdout).then(
  // Every line is out (writes to a pipe are synchronous); a socket still closing need not be waited for.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`clawmoat probe agent: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
