import type { Door, DoorProblem } from '../../snapshot/types.js';

/** rinetd: `bindaddress bindport connectaddress connectport` lines, `allow`/`deny` patterns (rinetd(8)). */

export function rinetdConfigPath(argv: readonly string[]): string {
  for (let i = 1; i < argv.length; i++) if (argv[i] === '-c' || argv[i] === '--conf-file') return argv[i + 1] ?? '/etc/rinetd.conf';
  return '/etc/rinetd.conf';
}

export function rinetdDoors(text: string, path: string, pid?: number): { doors: Door[]; problems: DoorProblem[] } {
  const doors: Door[] = [];
  const problems: DoorProblem[] = [];
  const global: Door['auth'] = [];
  let last: Door | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const words = line.split(/\s+/);
    const at = { file: path, line: index + 1 };
    if (words[0] === 'allow' || words[0] === 'deny') {
      const entry = { text: `${words[0]} ${words[1] ?? ''}`, location: at };
      if (last) last.auth.push(entry);
      else global.push(entry);
      return;
    }
    if (words[0] === 'logfile' || words[0] === 'logcommon' || words[0] === 'pidlogfile' || words[0] === 'include') return;
    if (words.length >= 4 && /^\d+$/.test(words[1]!) && /^\d+$/.test(words[3]!)) {
      last = {
        kind: 'rinetd',
        listen: [{ address: words[0] === '0.0.0.0' ? '0.0.0.0' : words[0]!, port: Number(words[1]), location: at }],
        upstream: { host: words[2]!, port: Number(words[3]) },
        via: `rinetd ${words.slice(0, 4).join(' ')}`,
        location: at,
        layer: 'tcp',
        forwardedFor: 'none',
        auth: [...global],
      };
      if (pid !== undefined) last.pid = pid;
      doors.push(last);
      return;
    }
    problems.push({
      kind: 'rinetd',
      ...(pid !== undefined ? { pid } : {}),
      source: path,
      line: index + 1,
      detail: `${path}:${index + 1}: "${line.slice(0, 60)}" is not a rinetd rule clawmoat understands`,
    });
  });
  return { doors, problems };
}
