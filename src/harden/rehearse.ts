import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from '../snapshot/types.js';
import type { CommandStep, FileStep } from './types.js';

/**
 * What would the ruleset be after the plan? Ask ufw itself: in a throwaway network namespace,
 * with private copies of /etc/ufw and /etc/default/ufw, load the host's current ruleset, run the
 * planned ufw commands and file edits, and read back iptables-save. The namespace and the copies
 * are removed whatever happens; the host's own firewall and /etc are never touched.
 */

export interface Rehearsal {
  iptablesSave: string;
  ip6tablesSave: string;
}

const SBIN_PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

function run(command: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, env: { PATH: SBIN_PATH, LC_ALL: 'C' }, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error ? error.message : '') });
    });
  });
}

const SCRIPT = String.raw`
set -e
dir=$1
mount -t tmpfs -o mode=0755 clawmoat-rehearse /run
[ -d /etc/ufw ] && mount --bind "$dir/etc-ufw" /etc/ufw
[ -f /etc/default/ufw ] && mount --bind "$dir/default-ufw" /etc/default/ufw
iptables-restore < "$dir/v4.save"
ip6tables-restore < "$dir/v6.save"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  # One ufw command per line, its arguments NUL-free and space-separated (ufw takes no spaces in them).
  ufw $line > "$dir/last.out" 2>&1 || { echo "ufw $line: $(tail -n1 "$dir/last.out")" >&2; exit 3; }
done < "$dir/commands"
iptables-save > "$dir/v4.after"
ip6tables-save > "$dir/v6.after"
`;

export async function rehearse(snapshot: Snapshot, commands: CommandStep[], files: FileStep[]): Promise<Rehearsal | { error: string }> {
  if (process.getuid?.() !== 0) return { error: 'rehearsing the plan needs root (it runs ufw in a scratch network namespace)' };
  const nf = snapshot.netfilter;
  if (nf.iptablesSave.status !== 'ok') return { error: `the current ruleset is unknown (${nf.iptablesSave.detail})` };
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-rehearse-'));
  const name = `clawmoat-rehearse-${randomBytes(4).toString('hex')}`;
  let created = false;
  try {
    if (existsSync('/etc/ufw')) cpSync('/etc/ufw', join(dir, 'etc-ufw'), { recursive: true });
    if (existsSync('/etc/default/ufw')) copyFileSync('/etc/default/ufw', join(dir, 'default-ufw'));
    for (const f of files) {
      if (f.content === undefined) continue;
      if (f.path.startsWith('/etc/ufw/')) writeFileSync(join(dir, 'etc-ufw', f.path.slice('/etc/ufw/'.length)), f.content);
      else if (f.path === '/etc/default/ufw') writeFileSync(join(dir, 'default-ufw'), f.content);
    }
    writeFileSync(join(dir, 'v4.save'), nf.iptablesSave.data);
    writeFileSync(join(dir, 'v6.save'), nf.ip6tablesSave.status === 'ok' ? nf.ip6tablesSave.data : '');
    const ufwCommands = commands.filter((c) => !c.manual && c.argv[0] === 'ufw').map((c) => c.argv.slice(1).join(' '));
    writeFileSync(join(dir, 'commands'), `${ufwCommands.join('\n')}\n`);
    const add = await run('ip', ['netns', 'add', name]);
    if (add.code !== 0) return { error: `could not create a scratch namespace: ${add.stderr.trim()}` };
    created = true;
    const result = await run('ip', ['netns', 'exec', name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', dir], 120_000);
    if (result.code !== 0) return { error: `rehearsing the plan failed: ${result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`}` };
    return { iptablesSave: readFileSync(join(dir, 'v4.after'), 'utf8'), ip6tablesSave: readFileSync(join(dir, 'v6.after'), 'utf8') };
  } finally {
    if (created) await run('ip', ['netns', 'del', name]);
    rmSync(dir, { recursive: true, force: true });
  }
}
