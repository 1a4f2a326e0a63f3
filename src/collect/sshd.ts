import { dirname, isAbsolute, join } from 'node:path';
import type { Collected, SshdMatchBlock, SshdState } from '../snapshot/types.js';
import { listDir, ok, readText, run, tryRealpath, unavailable, which } from './host.js';
import { exeOf, netnsOf, processIds } from './proc.js';
import { sshdArguments, sshdConfigFlag } from './sshd-argv.js';
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

/** An Include's pattern as files (a `*` in its last component). */
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

/** sshd's config files as read: the global values, the Match blocks, and the files that could not be read. */
export interface SshdConfigFiles {
  /** The global section, sshd's first-value-wins rule (up to the first Match of each file). */
  values: Record<string, string[]>;
  matchBlocks: SshdMatchBlock[];
  /** Files named (the config itself or an Include) that could not be read, with why. */
  unreadable: string[];
}

/**
 * Read sshd_config and its Includes as sshd does: the first value of a key wins, an Include splices
 * its files in at its line (a `*` expanded, relative to /etc/ssh), and a Match block lasts to the
 * next Match or the end of its file; an Include inside one belongs to that block. A file that
 * cannot be read is named in `unreadable` (never passed over: it may be the one that sets a key).
 */
export async function readSshdConfigFiles(path: string): Promise<SshdConfigFiles> {
  const files: SshdConfigFiles = { values: {}, matchBlocks: [], unreadable: [] };
  const seen = new Set<string>();
  const readFile = async (file: string, depth: number, block: SshdMatchBlock | undefined): Promise<void> => {
    if (depth > 8 || seen.has(file)) return;
    seen.add(file);
    const text = await readText(file);
    if (text.status !== 'ok') {
      // (an Include naming a file that is not there matches nothing, as for sshd's glob)
      if (depth > 0 && text.reason === 'not-found') return;
      files.unreadable.push(`${file} (${text.detail})`);
      return;
    }
    let current = block;
    const lines = text.data.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!.replace(/#.*$/, '').trim();
      const match = /^(\S+)(?:\s*=\s*|\s+)(.*)$/.exec(line);
      if (!match) continue;
      const key = match[1]!.toLowerCase();
      const value = match[2]!.trim();
      if (key === 'match') {
        current = { file, line: index + 1, criteria: value, settings: {} };
        files.matchBlocks.push(current);
        continue;
      }
      if (key === 'include') {
        for (const pattern of value.split(/\s+/)) {
          const full = isAbsolute(pattern) ? pattern : join('/etc/ssh', pattern);
          for (const included of await expandGlob(full)) await readFile(included, depth + 1, current);
        }
        continue;
      }
      const values = current ? current.settings : files.values;
      if (MULTI_VALUED.has(key)) (values[key] ??= []).push(value);
      else if (!(key in values)) values[key] = [value];
    }
  };
  await readFile(path, 0, undefined);
  return files;
}

/**
 * The sshd processes in our network namespace that are root's own sshd, and the -f config of the
 * first started with one (from its argv or the listener title OpenSSH writes over it:
 * sshd-argv.ts). A process title costs nothing to fake (`exec -a sshd … -f ~/my_config`, a binary
 * the gateway's user names sshd listening on a port of its choosing): `sshd -T -f FILE` runs as
 * root and quotes the file's lines in its errors, and harden keeps SSH ports open. So a process
 * counts only when root runs it (every uid of /proc/PID/status) from the very binary clawmoat runs
 * (/proc/PID/exe, " (deleted)" after an upgrade allowed). Any other's -f is ignored, and the
 * snapshot says which and why.
 */
export async function runningSshd(processes: Map<number, string[]>, binary: string): Promise<{ file?: string; verified: number[]; ignored: string[] }> {
  const ours = await netnsOf('self');
  const real = (await tryRealpath(binary)) ?? binary;
  const ignored: string[] = [];
  const verified: number[] = [];
  let file: string | undefined;
  for (const [pid, argv] of processes) {
    const args = sshdArguments(argv);
    if (!args) continue;
    if (ours && (await netnsOf(pid)) !== ours) continue;
    const flag = sshdConfigFlag(args);
    const [ids, exe] = await Promise.all([processIds(pid), exeOf(pid)]);
    const uids = ids?.uid ?? [];
    if (uids.length === 0 || uids.some((id) => id !== 0)) {
      if (flag)
        ignored.push(
          `pid ${pid} names -f ${flag}, but it does not run as root${ids ? ` (uid ${ids.uid[0]})` : ' (its owner could not be read)'}, so it is not the host's sshd`,
        );
    } else if (exe?.replace(/ \(deleted\)$/, '') !== real) {
      if (flag) ignored.push(`pid ${pid} names -f ${flag}, but runs ${exe ?? 'an executable clawmoat could not read'}, not ${real}`);
    } else {
      verified.push(pid);
      if (flag && file === undefined) file = flag;
    }
  }
  return { ...(file !== undefined ? { file } : {}), verified, ignored };
}

export async function collectSshd(processes: Map<number, string[]>): Promise<Collected<SshdState>> {
  const binary = await which('sshd');
  if (!binary) return unavailable('not-installed', 'sshd is not installed');
  const running = await runningSshd(processes, binary);
  const configFile = running.file;
  const args = configFile ? ['-T', '-f', configFile] : ['-T'];
  // The files are read either way: `sshd -T` prints the global section only, not the Match blocks.
  const [result, files] = await Promise.all([run(binary, args), readSshdConfigFiles(configFile ?? '/etc/ssh/sshd_config')]);
  const state: SshdState = { binary, effective: result.status === 'ok' ? ok(parseSshdT(result.data)) : result, verifiedPids: running.verified };
  if (configFile) state.configFile = configFile;
  if (running.ignored.length > 0) state.ignoredConfigs = running.ignored;
  state.matchBlocks =
    files.unreadable.length > 0
      ? unavailable('permission-denied', `sshd's Match blocks could not all be read: ${files.unreadable.join('; ')} (run as root)`)
      : ok(files.matchBlocks);
  if (result.status === 'ok') {
    state.source = 'sshd -T';
    return ok(state);
  }
  if (files.unreadable.length > 0) {
    state.effective = unavailable('permission-denied', `sshd -T could not run and ${files.unreadable.join('; ')} could not be read (run as root)`);
  } else if (Object.keys(files.values).length > 0) {
    state.effective = ok(files.values);
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
