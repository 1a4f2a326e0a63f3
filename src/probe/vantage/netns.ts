import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentJob } from '../agent.js';
import type { Target } from '../targets.js';
import type { ProbeSettings, Sighting } from './local.js';

/** Set by the bundler (scripts/bundle.mjs): the agent's own bundle, next to the CLI's. */
declare const __CLAWMOAT_AGENT_BUNDLE__: string | undefined;

/**
 * Probes from a network namespace: `ip netns exec NAME` runs the probe agent there (a process
 * cannot switch its own namespace), which reads the job on stdin and writes one JSON line per
 * target. The agent is started as early as the namespace is known, and waits for its targets.
 */
export interface NetnsAgent {
  readonly name: string;
  /** Hand the agent its targets; resolves with every sighting once it has exited. */
  run(targets: Target[], settings: ProbeSettings, onSighting?: (sighting: Sighting, done: number) => void): Promise<Sighting[]>;
  /** An agent that will get no job: close its stdin and it exits. Harmless after run(). */
  dismiss(): void;
}

/** The agent program: its own small bundle, else the unbundled build's, else the CLI's hidden `probe-agent`. */
function agentArgv(): string[] {
  const candidates: string[] = [];
  if (typeof __CLAWMOAT_AGENT_BUNDLE__ === 'string') candidates.push(fileURLToPath(new URL(__CLAWMOAT_AGENT_BUNDLE__, import.meta.url)));
  if (import.meta.url.endsWith('.js')) candidates.push(fileURLToPath(new URL('../agent-main.js', import.meta.url)));
  const found = candidates.find((c) => existsSync(c));
  if (found) return [found];
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which program to run inside the namespace');
  return [script, 'probe-agent'];
}

/** Start the agent in namespace `name` now; what goes wrong is told by run(). */
export function startNetnsAgent(name: string): NetnsAgent {
  let child: ChildProcessWithoutNullStreams;
  try {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`"${name}" is not a network namespace name`);
    if (!existsSync(`/run/netns/${name}`)) throw new Error(`no network namespace "${name}" (ip netns list shows the ones there are)`);
    if (process.getuid?.() !== 0) throw new Error(`entering namespace "${name}" needs root (run with sudo)`);
    child = spawn('ip', ['netns', 'exec', name, process.execPath, ...agentArgv()], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
    });
  } catch (error) {
    return { name, run: () => Promise.reject(error as Error), dismiss: () => undefined };
  }
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // An agent that died before its job came (or ip failed) must not take this process down with EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      stderr += error.message;
      resolve(-1);
    });
    child.once('close', (code) => resolve(code));
  });
  return {
    name,
    dismiss: () => {
      if (!child.stdin.writableEnded) child.stdin.end();
    },
    async run(targets, settings, onSighting) {
      const sightings: Sighting[] = [];
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        try {
          const sighting = JSON.parse(line) as Sighting;
          sightings.push(sighting);
          onSighting?.(sighting, sightings.length);
        } catch {
          stderr += `${line}\n`;
        }
      });
      const job: AgentJob = { targets, settings };
      child.stdin.end(JSON.stringify(job));
      // Each target gets at most a handful of timeouts; the agent itself never outlives that.
      const budget = Math.max(10_000, Math.ceil(targets.length / Math.max(1, settings.concurrency)) * settings.timeoutMs * 8 + 5_000);
      const timer = setTimeout(() => child.kill('SIGKILL'), budget);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0 && sightings.length < targets.length) {
        throw new Error(`the probe in namespace "${name}" failed: ${stderr.trim().split('\n').pop() ?? `exit ${String(code)}`}`);
      }
      return sightings;
    },
  };
}

export function probeFromNetns(
  name: string,
  targets: Target[],
  settings: ProbeSettings,
  onSighting?: (sighting: Sighting, done: number) => void,
): Promise<Sighting[]> {
  return startNetnsAgent(name).run(targets, settings, onSighting);
}
