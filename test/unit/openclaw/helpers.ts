import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { SecretVault } from '../../../src/snapshot/redact.js';
import { resolveOpenClawConfig, type ConfigResolveInput, type ConfigResolveResult } from '../../../src/openclaw/config-resolve.js';
import type { OpenClawConfigInvalid, OpenClawConfigResolved, OpenClawConfigState } from '../../../src/snapshot/types.js';

const made: string[] = [];

/** A fresh temp dir, removed after the test. */
export function tempDir(prefix = 'clawmoat-oc-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Write a file under root (creating directories) and return its absolute path. */
export function write(root: string, rel: string, text: string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export async function resolveIn(home: string, extra: Partial<ConfigResolveInput> = {}, vault = new SecretVault()): Promise<ConfigResolveResult> {
  return resolveOpenClawConfig({ env: {}, homeDir: home, ...extra }, vault);
}

export function expectOk(state: OpenClawConfigState): OpenClawConfigResolved {
  if (state.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(state)}`);
  return state.data;
}

export function expectInvalid(state: OpenClawConfigState): OpenClawConfigInvalid {
  if (state.status !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(state)}`);
  return state;
}

/** Follow a dotted path through plain objects. */
export function get(value: unknown, dotted: string): unknown {
  let node = value;
  for (const key of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
