import { readFileSync, readlinkSync } from 'node:fs';
import { caddyConfigArgs } from '../collect/doors/caddy.js';
import type { DoorRef } from '../checks/fix-intents.js';
import { describeController, walkPath } from '../safe-fs/walk.js';
import { nginxOptions } from './nginx-options.js';

/**
 * How a door's program runs on this host now, read from /proc when harden plans: the arguments
 * its own check and reload need (`nginx -t`/`-s reload` with the master's -p, -c, -e and -g;
 * `caddy validate`/`reload` with its --config and --adapter), and the systemd unit it runs
 * under, whose reload is then the one to use. A program run by another user than root is not
 * driven from here: its command line is that user's to write, and `nginx -t -g …` runs as root.
 */

export interface NginxRuntime {
  kind: 'nginx';
  /** The options that name its config, as the master was started: -p P -e E -c C -g G. */
  args: string[];
  conf: string;
  unit?: string;
}

export interface CaddyRuntime {
  kind: 'caddy';
  config: string;
  adapter: string;
  unit?: string;
}

export type DoorRuntime = NginxRuntime | CaddyRuntime | { error: string };

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The system unit a process runs in (cgroup v2 `0::/system.slice/x.service`, or v1's name=systemd line). */
export function unitOf(cgroup: string): string | undefined {
  for (const line of cgroup.split('\n')) {
    if (!/^(0::|\d+:name=systemd:)/.test(line)) continue;
    const m = /:\/system\.slice\/(?:[^/]*\/)*?([A-Za-z0-9@_.:-]+\.service)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * nginx rewrites its title into one string: "nginx: master process /usr/sbin/nginx -p P -c C -g daemon off; pid P;".
 * Its options pass only through the allow list root's commands share (nginx-options.ts).
 */
export function nginxMasterArgs(title: string): { args: string[]; conf: string } | { error: string } {
  const rest = title.replace(/^nginx: master process\s+/, '').trim();
  const words = rest.split(' ').slice(1);
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '') continue;
    // -g takes the rest: nginx's own options come before it in every unit and script seen.
    if (words[i] === '-g') {
      args.push('-g', words.slice(i + 1).join(' '));
      break;
    }
    args.push(words[i]!);
    if (words[i + 1] !== undefined) args.push(words[++i]!);
  }
  const checked = nginxOptions(args);
  if ('error' in checked) return { error: `${checked.error}; not run as root by clawmoat` };
  const prefix = checked.paths.find((p) => p.option === '-p')?.path;
  const conf = checked.paths.find((p) => p.option === '-c')?.path;
  return { args, conf: conf ?? `${prefix ? prefix.replace(/\/$/, '') : '/etc/nginx'}/nginx.conf` };
}

function ownerUid(pid: number): number | undefined {
  const m = /^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : undefined;
}

export function doorRuntime(ref: DoorRef): DoorRuntime {
  if (ref.pid === undefined) return { error: 'no running process was seen for it' };
  const pid = ref.pid;
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (cmdline === undefined) return { error: `process ${pid} is gone` };
  const uid = ownerUid(pid);
  if (uid !== 0)
    return {
      error: `process ${pid} runs as uid ${uid ?? '?'}, not root: its command line is that user's to write, so clawmoat does not run its commands as root`,
    };
  const argv = cmdline.split('\0').filter(Boolean);
  const unit = unitOf(read(`/proc/${pid}/cgroup`) ?? '');
  if (ref.kind === 'nginx') {
    if (!/^nginx: master process /.test(argv[0] ?? '')) return { error: `process ${pid} is not an nginx master now` };
    const parsed = nginxMasterArgs(argv.join(' '));
    if ('error' in parsed) return { error: `nginx (pid ${pid}): ${parsed.error}` };
    return { kind: 'nginx', ...parsed, ...(unit ? { unit } : {}) };
  }
  if (ref.kind === 'caddy') {
    let cwd: string | undefined;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = undefined;
    }
    const args = caddyConfigArgs(argv, cwd);
    if (!args.config) return { error: `caddy (pid ${pid}): ${args.why}` };
    return { kind: 'caddy', config: args.config, adapter: args.adapter ?? (args.config.endsWith('.json') ? 'json' : 'caddyfile'), ...(unit ? { unit } : {}) };
  }
  return { error: `clawmoat does not rewrite ${ref.kind}` };
}

/**
 * Why root must not write this proxy config, or undefined when only root can change it: the file
 * root's and not writable by group or others, and every directory and link on the way root's. A
 * config the gateway's user could write is hostile input: harden refuses to write through it.
 */
export function configRefusal(path: string): string | undefined {
  try {
    const walk = walkPath(path, 0);
    if (walk.controllers.size > 0)
      return `${path} can be changed by ${[...walk.controllers].map(describeController).join(', ')} (a directory or link on the way)`;
    if (!walk.final) return `${path} does not exist`;
    if (walk.final.uid !== 0n) return `${path} is owned by uid ${walk.final.uid}, not root`;
    if ((walk.final.mode & 0o022n) !== 0n) return `${path} is writable by group or others (mode ${(walk.final.mode & 0o777n).toString(8)})`;
    return undefined;
  } catch (error) {
    return `${path}: ${(error as Error).message}`;
  }
}
