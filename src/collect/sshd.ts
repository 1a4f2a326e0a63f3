import { dirname, isAbsolute, join } from 'node:path';
import type { Collected, SshdState } from '../snapshot/types.js';
import { listDir, ok, readText, run, tryRealpath, unavailable, which } from './host.js';
import { exeOf, netnsOf, processIds } from './proc.js';
import type { ScriptReads } from './script/declare.js';

/**
 * sshd's effective configuration. `sshd -T` is the truth (it applies defaults,
 * Include and the first-value-wins rule), but it needs root and /run/sshd; when it
 * cannot run, the config files are read directly and the snapshot says so.
 */

export function parseSshdT(text: string): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    (values[key] ??= []).push(match[2]!);
  }
  return values;
}

/** Keys sshd allows more than once; every other key keeps its first value. */
const MULTI_VALUED = new Set(['port', 'listenaddress', 'hostkey', 'include', 'acceptenv', 'subsystem', 'setenv']);

/** Read sshd_config (and its Includes) with sshd's first-value-wins rule, up to the first Match block. */
export async function readSshdConfigFiles(path: string, depth = 0, values: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
  if (depth > 8) return values;
  const text = await readText(path);
  if (text.status !== 'ok') return values;
  for (const raw of text.data.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const match = /^(\S+)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    const value = match[2]!.trim();
    if (key === 'match') break;
    if (key === 'include') {
      for (const pattern of value.split(/\s+/)) {
        const full = isAbsolute(pattern) ? pattern : join('/etc/ssh', pattern);
        for (const file of await expandGlob(full)) await readSshdConfigFiles(file, depth + 1, values);
      }
      continue;
    }
    if (MULTI_VALUED.has(key)) (values[key] ??= []).push(value);
    else if (!(key in values)) values[key] = [value];
  }
  return values;
}

async function expandGlob(path: string): Promise<string[]> {
  if (!path.includes('*')) return [path];
  const dir = dirname(path);
  const pattern = new RegExp(
    `^${path
      .slice(dir.length + 1)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return (await listDir(dir))
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * The -f config of the sshd running in our network namespace, if it was started with one. A
 * process title costs nothing to fake (`exec -a sshd … -f ~/my_config`), and `sshd -T -f FILE`
 * runs as root and quotes the file's lines in its errors: so -f counts only from an sshd that
 * root runs (every uid of /proc/PID/status) from the very binary clawmoat runs (/proc/PID/exe).
 * Any other is ignored, and the snapshot says which and why.
 */
export async function runningSshdConfig(processes: Map<number, string[]>, binary: string): Promise<{ file?: string; ignored: string[] }> {
  // Read only once an sshd names -f: with none (most hosts), this costs no read, and `sshd -T`
  // starts in the same turn as the other dumps (run-batch.ts).
  let ours: Promise<string | undefined> | undefined;
  let real: Promise<string> | undefined;
  const ignored: string[] = [];
  for (const [pid, argv] of processes) {
    if (!/(^|\/)sshd$/.test(argv[0] ?? '')) continue;
    const f = argv.indexOf('-f');
    const file = f >= 0 ? argv[f + 1] : undefined;
    if (!file) continue;
    ours ??= netnsOf('self');
    const ns = await ours;
    if (ns && (await netnsOf(pid)) !== ns) continue;
    const [ids, exe] = await Promise.all([processIds(pid), exeOf(pid)]);
    const uids = ids?.uid ?? [];
    if (uids.length === 0 || uids.some((id) => id !== 0)) {
      ignored.push(
        `pid ${pid} names -f ${file}, but it does not run as root${ids ? ` (uid ${ids.uid[0]})` : ' (its owner could not be read)'}, so it is not the host's sshd`,
      );
      continue;
    }
    real ??= tryRealpath(binary).then((r) => r ?? binary);
    if (exe !== (await real)) {
      ignored.push(`pid ${pid} names -f ${file}, but runs ${exe ?? 'an executable clawmoat could not read'}, not ${await real}`);
    } else return { file, ignored };
  }
  return { ignored };
}

export async function collectSshd(processes: Map<number, string[]>): Promise<Collected<SshdState>> {
  const binary = await which('sshd');
  if (!binary) return unavailable('not-installed', 'sshd is not installed');
  const running = await runningSshdConfig(processes, binary);
  const configFile = running.file;
  const args = configFile ? ['-T', '-f', configFile] : ['-T'];
  const result = await run(binary, args);
  const state: SshdState = { binary, effective: result.status === 'ok' ? ok(parseSshdT(result.data)) : result };
  if (configFile) state.configFile = configFile;
  if (running.ignored.length > 0) state.ignoredConfigs = running.ignored;
  if (result.status === 'ok') {
    state.source = 'sshd -T';
    return ok(state);
  }
  const files = await readSshdConfigFiles(configFile ?? '/etc/ssh/sshd_config');
  if (Object.keys(files).length > 0) {
    state.effective = ok(files);
    state.source = 'config-files';
  } else if (/no hostkeys available/.test(result.detail)) {
    state.effective = unavailable('permission-denied', 'sshd -T cannot read the host keys (run as root)');
  }
  return ok(state);
}

/** What collectSshd reads, for the collection script (`sshd -T` itself is run by the sshd-config round). */
export const SSHD_READS: ScriptReads = {
  which: ['sshd'],
  files: ['/etc/ssh/sshd_config'],
  dirs: ['/etc/ssh/sshd_config.d'],
  processes: [{ pattern: 'sshd', reads: ['netns', 'status', 'exe'] }],
  rounds: ['sshd-config'],
};
