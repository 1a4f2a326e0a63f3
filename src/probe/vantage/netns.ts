import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Target } from '../targets.js';
import type { ProbeSettings, Sighting } from './local.js';

/**
 * Probes from a network namespace: `ip netns exec NAME` runs this same program's hidden
 * `probe-agent` command there (a process cannot switch its own namespace), which reads the job
 * on stdin and writes one JSON line per target.
 */
export async function probeFromNetns(name: string, targets: Target[], settings: ProbeSettings, onDone?: (done: number) => void): Promise<Sighting[]> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`"${name}" is not a network namespace name`);
  if (!existsSync(`/run/netns/${name}`)) throw new Error(`no network namespace "${name}" (ip netns list shows the ones there are)`);
  if (process.getuid?.() !== 0) throw new Error(`entering namespace "${name}" needs root (run with sudo)`);
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which program to run inside the namespace');
  const child = spawn('ip', ['netns', 'exec', name, process.execPath, script, 'probe-agent'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
  const sightings: Sighting[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    try {
      sightings.push(JSON.parse(line) as Sighting);
      onDone?.(sightings.length);
    } catch {
      stderr += `${line}\n`;
    }
  });
  child.stdin.end(JSON.stringify({ targets, settings }));
  // Each target gets at most a handful of timeouts; the agent itself never outlives that.
  const budget = Math.max(10_000, Math.ceil(targets.length / Math.max(1, settings.concurrency)) * settings.timeoutMs * 8 + 5_000);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), budget);
    child.once('error', (error) => {
      stderr += error.message;
      clearTimeout(timer);
      resolve(-1);
    });
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0 && sightings.length < targets.length) {
    throw new Error(`the probe in namespace "${name}" failed: ${stderr.trim().split('\n').pop() ?? `exit ${String(code)}`}`);
  }
  return sightings;
}
