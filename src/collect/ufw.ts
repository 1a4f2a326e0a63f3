import type { Collected, UfwState, UnreadableFile } from '../snapshot/types.js';
import { readText, run, unavailable, which } from './host.js';
import type { ScriptReads } from './script/declare.js';

/**
 * UFW's state comes from its own files: ufw.conf says whether it should be on,
 * /etc/default/ufw holds the default policies and user*.rules hold every rule as a
 * "### tuple ###" line. Whether it is *loaded* is read from the netfilter dump
 * (ufw's chains), which is what `ufw status` itself checks. `ufw status verbose`
 * costs ~300 ms of Python, so it is only run when asked for.
 */

const RULE_FILES = ['user.rules', 'user6.rules', 'before.rules', 'before6.rules', 'after.rules', 'after6.rules'];

export function parseShellAssignments(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return values;
}

/** The 1-based line of each assignment (the last one wins, as in the shell). */
export function assignmentLines(text: string): Record<string, number> {
  const lines: Record<string, number> = {};
  text.split('\n').forEach((line, index) => {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=/.exec(line);
    if (match) lines[match[1]!] = index + 1;
  });
  return lines;
}

export async function collectUfw(options: { withStatus: boolean; etc?: string } = { withStatus: false }): Promise<Collected<UfwState>> {
  const etc = options.etc ?? '/etc';
  const [binary, conf, defaults] = await Promise.all([which('ufw'), readText(`${etc}/ufw/ufw.conf`), readText(`${etc}/default/ufw`)]);
  if (!binary && conf.status !== 'ok') return unavailable('not-installed', 'ufw is not installed (no ufw binary, no /etc/ufw/ufw.conf)');
  const ruleFiles: Record<string, Collected<string>> = {};
  await Promise.all(RULE_FILES.map(async (name) => (ruleFiles[name] = await readText(`${etc}/ufw/${name}`))));
  const confValues = conf.status === 'ok' ? parseShellAssignments(conf.data) : {};
  const defaultValues = defaults.status === 'ok' ? parseShellAssignments(defaults.data) : {};
  const defaultLines = defaults.status === 'ok' ? assignmentLines(defaults.data) : {};
  const policy: UfwState['files']['defaults'] = {};
  const lines: NonNullable<UfwState['files']['defaultsLines']> = {};
  for (const [key, name] of [
    ['input', 'DEFAULT_INPUT_POLICY'],
    ['output', 'DEFAULT_OUTPUT_POLICY'],
    ['forward', 'DEFAULT_FORWARD_POLICY'],
  ] as const) {
    if (!defaultValues[name]) continue;
    policy[key] = defaultValues[name];
    if (defaultLines[name] !== undefined) lines[key] = defaultLines[name];
  }
  // ufw.conf and /etc/default/ufw are world-readable on a stock host; when one is not, what was
  // read from it (ENABLED, the default policies) is ufw's default, and the audit must say so.
  const unreadable: UnreadableFile[] = [];
  for (const [path, file] of [
    [`${etc}/ufw/ufw.conf`, conf],
    [`${etc}/default/ufw`, defaults],
  ] as const) {
    if (file.status !== 'ok' && file.reason !== 'not-found') unreadable.push({ path, reason: file.reason, detail: file.detail });
  }
  const statusVerbose =
    options.withStatus && binary
      ? await run(binary, ['status', 'verbose'])
      : unavailable('not-running', options.withStatus ? 'ufw is not installed' : '`ufw status verbose` not run (pass --ufw-status to include it)');
  const state: UfwState = {
    installed: binary !== undefined,
    files: { enabledInConfig: /^yes$/i.test(confValues.ENABLED ?? ''), defaults: policy, defaultsLines: lines, ruleFiles, statusVerbose },
  };
  if (unreadable.length > 0) state.files.unreadable = unreadable;
  if (binary) state.binary = binary;
  return { status: 'ok', data: state };
}

/** What collectUfw reads, for the collection script (`ufw status verbose` is never run by it). */
export const UFW_READS: ScriptReads = {
  which: ['ufw'],
  files: ['/etc/ufw/ufw.conf', '/etc/default/ufw', ...RULE_FILES.map((n) => `/etc/ufw/${n}`)],
};
