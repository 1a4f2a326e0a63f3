import { createRequire } from 'node:module';

/** Set by the bundler (scripts/bundle.mjs); the unbundled build reads package.json. */
declare const __CLAWMOAT_VERSION__: string | undefined;

function readVersion(): string {
  if (typeof __CLAWMOAT_VERSION__ === 'string') return __CLAWMOAT_VERSION__;
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

export const TOOL_VERSION: string = readVersion();
