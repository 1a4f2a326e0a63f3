import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, killAllSync, pidsMentioning, processTree, startTimeOf } from './proc.js';

/**
 * Everything the lab creates is torn down three ways:
 *  1. a test's `Scope.dispose()` (in afterAll), in reverse order of creation;
 *  2. this process's 'exit' and SIGINT/SIGTERM/SIGHUP handlers, for what a failed or
 *     interrupted test left (vitest SIGTERMs its workers when a run ends);
 *  3. the ledger in /run/clawmoat-lab: a worker killed with SIGKILL runs no handler, so
 *     the next lab process removes what a dead process recorded there.
 * Only resources this lab created are ever touched: processes by PID and start time,
 * namespaces and directories by the names recorded when they were made.
 */

export type Resource =
  | { kind: 'process'; pid: number; startTime: string | undefined; label: string }
  /** Processes whose cmdline names `marker`, a path this lab created (containerd shims of a lab dockerd). */
  | { kind: 'processes-mentioning'; marker: string; label: string }
  | { kind: 'netns'; name: string }
  | { kind: 'dir'; path: string };

export const LEDGER_DIR = '/run/clawmoat-lab';
const self = { pid: process.pid, startTime: startTimeOf(process.pid) };
const ledgerFile = join(LEDGER_DIR, `${self.pid}-${self.startTime ?? 'x'}.json`);
const held: Resource[] = [];
let hooked = false;

function writeLedger(): void {
  try {
    if (held.length === 0) {
      unlinkSync(ledgerFile);
      rmdirSync(LEDGER_DIR);
      return;
    }
    mkdirSync(LEDGER_DIR, { recursive: true });
    writeFileSync(ledgerFile, JSON.stringify({ owner: self, resources: held }, null, 1));
  } catch {
    // Not root, or the ledger is gone: the in-process handlers still clean up.
  }
}

function sameResource(a: Resource, b: Resource): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Record a resource before (or as soon as) it exists. */
export function hold(resource: Resource): void {
  if (!hooked) {
    hooked = true;
    sweepStaleLedgers();
    process.once('exit', releaseAllSync);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => onSignal(sig));
  }
  held.push(resource);
  writeLedger();
}

/** What this process still holds: empty once every scope has been disposed. */
export function heldResources(): readonly Resource[] {
  return [...held];
}

/** Forget a resource its owner has removed. */
export function release(resource: Resource): void {
  const index = held.findIndex((r) => sameResource(r, resource));
  if (index >= 0) held.splice(index, 1);
  writeLedger();
}

function unmountUnder(path: string): void {
  let mountinfo = '';
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === path || p.startsWith(`${path}/`)))
    .map((p) => p.replace(/\\040/g, ' '))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    try {
      execFileSync('umount', ['-l', point], { stdio: 'ignore' });
    } catch {
      // Already unmounted by a parent's lazy unmount.
    }
  }
}

/** Remove one resource now, synchronously; never throws. */
export function removeSync(resource: Resource): void {
  try {
    switch (resource.kind) {
      case 'process':
        // No grace: vitest SIGKILLs a worker 500 ms after its SIGTERM, and what must be
        // gone by then is the process, not its clean shutdown.
        if (isAlive(resource.pid, resource.startTime)) killAllSync(processTree(resource.pid));
        break;
      case 'processes-mentioning': {
        const roots = pidsMentioning(resource.marker);
        killAllSync(roots.flatMap((pid) => processTree(pid)));
        break;
      }
      case 'netns':
        execFileSync('ip', ['netns', 'delete', resource.name], { stdio: 'ignore' });
        break;
      case 'dir':
        unmountUnder(resource.path);
        rmSync(resource.path, { recursive: true, force: true });
        break;
    }
  } catch {
    // Best effort: the resource may already be gone.
  }
}

function releaseAllSync(): void {
  while (held.length > 0) removeSync(held.pop()!);
  writeLedger();
}

/** A killed worker runs no 'exit' handler: clean up, then let the signal do what it would have done. */
function onSignal(sig: NodeJS.Signals): void {
  releaseAllSync();
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

export interface Ledger {
  owner: { pid: number; startTime: string | undefined };
  resources: Resource[];
}

/** Remove what lab processes that have since died (SIGKILL, OOM) left behind. */
export function sweepStaleLedgers(): void {
  let names: string[] = [];
  try {
    names = readdirSync(LEDGER_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const file = join(LEDGER_DIR, name);
    try {
      const ledger = JSON.parse(readFileSync(file, 'utf8')) as Ledger;
      if (isAlive(ledger.owner.pid, ledger.owner.startTime)) continue;
      for (const resource of [...ledger.resources].reverse()) removeSync(resource);
      unlinkSync(file);
    } catch {
      // Unreadable or removed by another sweeper.
    }
  }
  try {
    rmdirSync(LEDGER_DIR);
  } catch {
    // Another lab process holds resources.
  }
}

/**
 * What one test file made, disposed in reverse order. Every disposer runs even when an
 * earlier one fails; the errors are reported together.
 */
export class Scope {
  private readonly disposers: { label: string; dispose: () => Promise<void> }[] = [];

  defer(label: string, dispose: () => Promise<void>): void {
    this.disposers.push({ label, dispose });
  }

  async dispose(): Promise<void> {
    const errors: string[] = [];
    while (this.disposers.length > 0) {
      const { label, dispose } = this.disposers.pop()!;
      try {
        await dispose();
      } catch (error) {
        errors.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (errors.length > 0) throw new Error(`lab cleanup failed:\n${errors.join('\n')}`);
  }
}

/** A private directory for one lab component, removed with its scope (after unmounting anything left in it). */
export function tempDir(scope: Scope, label: string): string {
  const path = mkdtempSync(join(tmpdir(), `clawmoat-lab-${label}-`));
  const resource: Resource = { kind: 'dir', path };
  hold(resource);
  scope.defer(`directory ${path}`, async () => {
    removeSync(resource);
    release(resource);
  });
  return path;
}
