/**
 * Remove `--FLAG VALUE` / `--FLAG=VALUE` from the ExecStart= lines of a systemd unit, touching
 * nothing else: the rest of the line, comments and other sections stay as they are.
 */
export function removeFlagFromExecStart(unit: string, flag: string): string {
  const pattern = new RegExp(`\\s+--${flag}(?:=|\\s+)(?:"[^"]*"|'[^']*'|\\S+)`, 'g');
  return unit
    .split('\n')
    .map((line) => (/^\s*ExecStart\s*=/.test(line) ? line.replace(pattern, '') : line))
    .join('\n');
}
