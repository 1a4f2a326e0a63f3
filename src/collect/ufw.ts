import type { Collected, UfwState } from '../snapshot/types.js';
import { readText, run, unavailable, which } from './host.js';

/**
 * UFW's state comes from its own files: ufw.conf says whether it should be on,
 * /etc/default/ufw holds the default policies and user*.rules hold every rule as a
 * "### tuple ###" line. Whether it is *loaded* is read from the netfilter dump
 * (ufw's chains), which is what `ufw status` itself checks. `ufw status verbose`
 * costs ~300 ms of Python, so it is only run when asked for.
 */

const RULE_FILES = ['user.rules', 'user6.rules', 'before.rules', 'before6.rules', 'after.rules', 'after6.rules'];

export function parseShellAssignments(text: string): Record<string, string> {
  return Object.fromEntries(Object.entries(shellAssignmentLines(text)).map(([name, { value }]) => [name, value]));
}

/** Like parseShellAssignments, with the 1-based line each value came from (the last assignment wins, as in sh). */
export function shellAssignmentLines(text: string): Record<string, { value: string; line: number }> {
  const values: Record<string, { value: string; line: number }> = {};
  text.split('\n').forEach((line, i) => {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]!] = { value: match[2]!.replace(/^(["'])(.*)\1$/, '$2'), line: i + 1 };
  });
  return values;
}

export async function collectUfw(options: { withStatus: boolean; etc?: string } = { withStatus: false }): Promise<Collected<UfwState>> {
  const etc = options.etc ?? '/etc';
  const [binary, conf, defaults] = await Promise.all([which('ufw'), readText(`${etc}/ufw/ufw.conf`), readText(`${etc}/default/ufw`)]);
  if (!binary && conf.status !== 'ok') return unavailable('not-installed', 'ufw is not installed (no ufw binary, no /etc/ufw/ufw.conf)');
  const ruleFiles: Record<string, Collected<string>> = {};
  await Promise.all(RULE_FILES.map(async (name) => (ruleFiles[name] = await readText(`${etc}/ufw/${name}`))));
  const confValues = conf.status === 'ok' ? parseShellAssignments(conf.data) : {};
  const defaultValues = defaults.status === 'ok' ? shellAssignmentLines(defaults.data) : {};
  const policy: UfwState['files']['defaults'] = {};
  const policyLines: NonNullable<UfwState['files']['defaultLines']> = {};
  for (const [key, name] of [['input', 'DEFAULT_INPUT_POLICY'], ['output', 'DEFAULT_OUTPUT_POLICY'], ['forward', 'DEFAULT_FORWARD_POLICY']] as const) {
    const found = defaultValues[name];
    if (!found?.value) continue;
    policy[key] = found.value;
    policyLines[key] = found.line;
  }
  const statusVerbose =
    options.withStatus && binary
      ? await run(binary, ['status', 'verbose'])
      : unavailable('not-running', options.withStatus ? 'ufw is not installed' : '`ufw status verbose` not run (pass --ufw-status to include it)');
  const state: UfwState = {
    installed: binary !== undefined,
    files: { enabledInConfig: /^yes$/i.test(confValues.ENABLED ?? ''), defaults: policy, defaultLines: policyLines, ruleFiles, statusVerbose },
  };
  if (binary) state.binary = binary;
  return { status: 'ok', data: state };
}
