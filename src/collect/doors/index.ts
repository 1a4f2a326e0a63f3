import { dirname } from 'node:path';
import type { Collected, DockerState, Door, DoorKind, DoorProblem, DoorsState } from '../../snapshot/types.js';
import { firstLine, hostFacts, ok, run, unavailable, which } from '../host.js';
import { netnsOf, processIds, userOf, cwdOf } from '../proc.js';
import { kubectlDoors, programName, socatDoor, socatProblem, sshDoors } from './forwarders.js';
import {
  globToRegExp,
  isGlob,
  nginxDoors,
  nginxErrorPlace,
  nginxIncludes,
  parseNginxFile,
  resolveIncludePath,
  splitNginxDump,
  withoutNginxLogStamp,
} from './nginx.js';
import { caddyDoors, caddyConfigArgs } from './caddy.js';
import { haproxyConfigArgs, haproxyDoors } from './haproxy.js';
import { apacheConfigArgs, apacheDoors, apacheIncludes } from './apache.js';
import { cloudflaredConfigPaths, cloudflaredDoors } from './cloudflared.js';
import { ngrokConfigPaths, ngrokDoors } from './ngrok.js';
import { frpDoors, frpConfigPath } from './frp.js';
import { rinetdConfigPath, rinetdDoors } from './rinetd.js';
import { readTraefik } from './traefik-read.js';
import { readerFor, type OwnerReader } from '../owner-read.js';
import { addContainerDoors } from './containers.js';
import type { ScriptReads } from '../script/declare.js';

/**
 * Doors: every running program that forwards connections, read from its real config or its
 * command line. Only processes in clawmoat's own network namespace count (a proxy of another
 * namespace answers elsewhere). Nothing here throws: what cannot be read is a DoorProblem,
 * naming the file and line, and the model makes every cell it could decide `unknown`.
 */

interface Running {
  pid: number;
  argv: string[];
  name: string;
}

/** Which kind of door a process is, from its argv (reference/doors.md §2.6). */
export function doorKindOf(argv: readonly string[]): DoorKind | undefined {
  const first = argv[0] ?? '';
  if (/^nginx: master process\b/.test(first)) return 'nginx';
  if (/^nginx: /.test(first)) return undefined;
  const name = programName(argv);
  switch (name) {
    case 'nginx':
      return 'nginx';
    case 'caddy':
      return argv[1] === 'run' || argv[1] === 'start' ? 'caddy' : undefined;
    case 'haproxy':
      return 'haproxy';
    case 'apache2':
    case 'httpd':
      return 'apache';
    case 'socat':
      return 'socat';
    case 'rinetd':
      return 'rinetd';
    case 'ssh':
    case 'autossh':
      return 'ssh';
    case 'kubectl':
      return argv.includes('port-forward') ? 'kubectl' : undefined;
    case 'cloudflared':
      return argv.includes('tunnel') ? 'cloudflared' : undefined;
    case 'ngrok':
      return 'ngrok';
    case 'frpc':
      return 'frp';
    case 'traefik':
      return argv[1] === 'version' || argv[1] === 'healthcheck' ? undefined : 'traefik';
    default:
      return undefined;
  }
}

/** nginx rewrites its title: "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf". */
export function nginxArgs(argv: readonly string[]): { binary: string; conf?: string; prefix?: string; errorLog?: string } {
  const words = argv
    .join(' ')
    .replace(/^nginx: master process\s+/, '')
    .trim()
    .split(/\s+/);
  const out: { binary: string; conf?: string; prefix?: string; errorLog?: string } = { binary: words[0] ?? 'nginx' };
  for (let i = 1; i < words.length; i++) {
    if (words[i] === '-c') out.conf = words[++i];
    else if (words[i] === '-p') out.prefix = words[++i];
    else if (words[i] === '-e') out.errorLog = words[++i];
  }
  return out;
}

/** The real uid and gid of a process (from /proc/PID/status), to run its dump command as its owner. */
async function ownerOf(pid: number): Promise<{ uid: number; gid: number } | undefined> {
  const ids = await processIds(pid);
  const [uid, gid] = [ids?.uid[0], ids?.gid[0]];
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/**
 * How to run a program's own dump command for the process PID: the binary from PATH (never a path
 * from the process's argv, which its owner writes), as the process's owner when clawmoat is root
 * and the owner is not, so the command reads only what that owner could. Undefined: do not run it.
 */
async function dumpAs(pid: number): Promise<{ uid?: number; gid?: number } | undefined> {
  const me = hostFacts().uid;
  if (me !== 0) return {};
  const owner = await ownerOf(pid);
  if (!owner) return undefined;
  return owner.uid === 0 ? {} : owner;
}

async function sameNetns(processes: Map<number, string[]>): Promise<Running[]> {
  const candidates = [...processes].filter(([pid, argv]) => pid !== hostFacts().pid && doorKindOf(argv));
  // Every namespace at once, not one after another: the dump commands start only after this.
  const [ours, ...theirs] = await Promise.all([netnsOf('self'), ...candidates.map(([pid]) => netnsOf(pid))]);
  const out: Running[] = [];
  candidates.forEach(([pid, argv], k) => {
    if (ours !== undefined && theirs[k] !== ours) return;
    out.push({ pid, argv, name: programName(argv) });
  });
  // A forking forwarder (socat fork) has children with the same argv: the parent holds the
  // listener, so a child of a process with the same argv is left out. Only a child: two unrelated
  // processes with one argv (another working directory, another owner) are both doors, or a decoy
  // started first could hide a real one.
  const byPid = new Map(out.map((r) => [r.pid, r]));
  const sorted = out.sort((a, b) => a.pid - b.pid);
  const ids = await Promise.all(sorted.map((r) => processIds(r.pid)));
  return sorted.filter((r, k) => {
    const parent = byPid.get(ids[k]?.ppid ?? -1);
    return !(parent && parent.argv.join('\0') === r.argv.join('\0'));
  });
}

/** Every file a glob or path names, read through the safe reader; unreadable ones are problems. */
async function readPattern(
  kind: DoorKind,
  pid: number,
  pattern: string,
  from: { file: string; line: number },
  files: Map<string, string>,
  problems: DoorProblem[],
  optional: boolean,
  reader: OwnerReader,
): Promise<string[]> {
  let paths: string[];
  if (isGlob(pattern)) {
    const dir = dirname(pattern);
    if (isGlob(dir)) {
      problems.push({
        kind,
        pid,
        source: from.file,
        line: from.line,
        detail: `${from.file}:${from.line} includes ${pattern}, a pattern with wildcards in its directories, which clawmoat does not expand`,
      });
      return [];
    }
    const re = globToRegExp(pattern);
    paths = (await reader.names(dir))
      .map((n) => `${dir}/${n}`)
      .filter((p) => re.test(p))
      .sort();
  } else {
    paths = [pattern];
  }
  const read: string[] = [];
  for (const path of paths) {
    if (files.has(path)) continue;
    const text = await reader.read(path);
    if (text.status === 'ok') {
      files.set(path, text.data);
      read.push(path);
    } else if (!(optional && text.reason === 'not-found')) {
      problems.push({
        kind,
        pid,
        source: from.file,
        line: from.line,
        detail: `${from.file}:${from.line} includes ${path}, which could not be read: ${text.detail}`,
      });
    }
  }
  return read;
}

async function nginxFromFiles(r: Running, main: string, problems: DoorProblem[]): Promise<{ doors: Door[]; problems: DoorProblem[] }> {
  const files = new Map<string, string>();
  // Its title names the files: read only what the master's owner could (a failed `nginx -T` as that owner leads here).
  const reader = readerFor(r.pid, 'nginx');
  const top = await reader.read(main);
  if (top.status !== 'ok')
    return {
      doors: [],
      problems: [{ kind: 'nginx', pid: r.pid, source: main, detail: `nginx (pid ${r.pid}) runs with ${main}, which could not be read: ${top.detail}` }],
    };
  files.set(main, top.data);
  const queue = [main];
  const confDir = dirname(main);
  while (queue.length > 0 && files.size < 2000) {
    const file = queue.shift()!;
    let tree;
    try {
      tree = parseNginxFile(files.get(file)!, file);
    } catch {
      continue; // nginxDoors reports it, with its line.
    }
    for (const inc of nginxIncludes(tree)) {
      const pattern = resolveIncludePath(inc.args[0] ?? '', confDir);
      queue.push(...(await readPattern('nginx', r.pid, pattern, { file: inc.file, line: inc.line }, files, problems, false, reader)));
    }
  }
  return nginxDoors({ files, main, confDir, pid: r.pid });
}

const PERMISSION = /permission denied|operation not permitted|\(13:/i;

async function readNginx(r: Running, state: DoorsState): Promise<void> {
  const args = nginxArgs(r.argv);
  const [binary, as] = await Promise.all([which('nginx'), dumpAs(r.pid)]);
  const prefix = args.prefix;
  const main = args.conf ? (args.conf.startsWith('/') || !prefix ? args.conf : `${prefix.replace(/\/$/, '')}/${args.conf}`) : '/etc/nginx/nginx.conf';
  const dumpArgs = ['-T', ...(prefix ? ['-p', prefix] : []), ...(args.errorLog ? ['-e', args.errorLog] : []), '-c', main];
  const dump =
    binary && as
      ? await run(binary, dumpArgs, { timeoutMs: 10_000, ...as })
      : unavailable('not-installed', binary ? `the owner of nginx pid ${r.pid} could not be read` : 'nginx is not on PATH');
  if (dump.status === 'ok' && dump.data.includes('# configuration file ')) {
    state.read.push(`nginx ${dumpArgs.join(' ')} (pid ${r.pid})`);
    const result = nginxDoors({ files: splitNginxDump(dump.data), main, confDir: dirname(main), pid: r.pid });
    state.doors.push(...result.doors);
    state.problems.push(...result.problems);
    return;
  }
  const problems: DoorProblem[] = [];
  if (dump.status !== 'ok' && dump.reason !== 'not-installed' && !PERMISSION.test(dump.detail)) {
    // nginx itself rejects the config: where it says, and nothing it would decide is known.
    const place = nginxErrorPlace(dump.detail);
    problems.push({
      kind: 'nginx',
      pid: r.pid,
      source: place?.file ?? main,
      ...(place ? { line: place.line } : {}),
      detail: `nginx -T fails for the nginx of pid ${r.pid}: ${place?.message ?? firstLine(withoutNginxLogStamp(dump.detail))}`,
    });
  }
  state.read.push(
    `nginx config files from ${main} (pid ${r.pid}; nginx -T ${dump.status === 'ok' ? 'printed no config' : `could not run: ${withoutNginxLogStamp(dump.detail)}`})`,
  );
  const result = await nginxFromFiles(r, main, problems);
  state.doors.push(...result.doors);
  state.problems.push(...problems, ...result.problems);
}

async function readCaddy(r: Running, state: DoorsState): Promise<void> {
  const cwd = await cwdOf(r.pid);
  const args = caddyConfigArgs(r.argv, cwd);
  if (!args.config) {
    state.problems.push({
      kind: 'caddy',
      pid: r.pid,
      source: `/proc/${r.pid}/cmdline`,
      detail: `caddy (pid ${r.pid}) runs without a config file clawmoat can see (${args.why}); its routes cannot be read`,
    });
    return;
  }
  const adapt = !(args.adapter === 'json' || (!args.adapter && /\.json$/.test(args.config)));
  // The config, the binary and its owner at once: `caddy adapt` starts as soon as it can.
  const [text, binary, as] = await Promise.all([
    readerFor(r.pid, 'caddy').read(args.config),
    adapt ? which('caddy') : undefined,
    adapt ? dumpAs(r.pid) : undefined,
  ]);
  if (text.status !== 'ok') {
    state.problems.push({
      kind: 'caddy',
      pid: r.pid,
      source: args.config,
      detail: `caddy (pid ${r.pid}) runs with ${args.config}, which could not be read: ${text.detail}`,
    });
    return;
  }
  let json: string | undefined;
  if (!adapt) {
    json = text.data;
  } else {
    if (!binary || !as) {
      state.problems.push({
        kind: 'caddy',
        pid: r.pid,
        source: args.config,
        detail: `caddy (pid ${r.pid}) runs with ${args.config}, but ${binary ? 'its owner could not be read' : 'caddy is not on PATH'}, so its Caddyfile cannot be adapted`,
      });
      return;
    }
    const adapted = await run(binary, ['adapt', '--config', args.config, '--adapter', args.adapter ?? 'caddyfile'], {
      timeoutMs: 10_000,
      ...as,
      env: { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent', XDG_DATA_HOME: '/nonexistent' },
    });
    if (adapted.status !== 'ok') {
      const m = /:(\d+)\b/.exec(adapted.detail);
      state.problems.push({
        kind: 'caddy',
        pid: r.pid,
        source: args.config,
        ...(m && adapted.reason === 'error' ? { line: Number(m[1]) } : {}),
        detail: `caddy adapt --config ${args.config} fails (pid ${r.pid}): ${adapted.detail}`,
      });
      return;
    }
    json = adapted.data;
    state.read.push(`caddy adapt --config ${args.config} (pid ${r.pid})`);
  }
  const result = caddyDoors(json, { file: args.config, text: text.data, pid: r.pid });
  state.doors.push(...result.doors);
  state.problems.push(...result.problems);
}

async function readHaproxy(r: Running, state: DoorsState): Promise<void> {
  const paths = haproxyConfigArgs(r.argv);
  const files = new Map<string, string>();
  const reader = readerFor(r.pid, 'haproxy');
  for (const p of paths) {
    const text = await reader.read(p);
    if (text.status === 'ok') {
      files.set(p, text.data);
      continue;
    }
    // -f may name a directory: every *.cfg in it, in order.
    const entries = (await reader.names(p)).filter((n) => n.endsWith('.cfg')).sort();
    if (entries.length > 0) {
      for (const n of entries) await readPattern('haproxy', r.pid, `${p}/${n}`, { file: p, line: 0 }, files, state.problems, false, reader);
      continue;
    }
    state.problems.push({ kind: 'haproxy', pid: r.pid, source: p, detail: `haproxy (pid ${r.pid}) runs with ${p}, which could not be read: ${text.detail}` });
  }
  state.read.push(`haproxy config ${paths.join(', ')} (pid ${r.pid})`);
  const result = haproxyDoors(files, r.pid);
  state.doors.push(...result.doors);
  state.problems.push(...result.problems);
}

async function readApache(r: Running, state: DoorsState): Promise<void> {
  const args = apacheConfigArgs(r.argv);
  const files = new Map<string, string>();
  const reader = readerFor(r.pid, 'apache');
  const top = await reader.read(args.config);
  if (top.status !== 'ok') {
    state.problems.push({
      kind: 'apache',
      pid: r.pid,
      source: args.config,
      detail: `apache (pid ${r.pid}) runs with ${args.config}, which could not be read: ${top.detail}`,
    });
    return;
  }
  files.set(args.config, top.data);
  const queue = [args.config];
  while (queue.length > 0 && files.size < 2000) {
    const file = queue.shift()!;
    for (const inc of apacheIncludes(files.get(file)!, file, args.serverRoot)) {
      const listed =
        inc.pattern.endsWith('/') || !/\.[^/]*$|[*?]/.test(inc.pattern.split('/').pop() ?? '')
          ? (await reader.names(inc.pattern)).map((n) => `${inc.pattern.replace(/\/$/, '')}/${n}`)
          : [];
      const patterns = listed.length > 0 ? listed.sort() : [inc.pattern];
      for (const p of patterns) queue.push(...(await readPattern('apache', r.pid, p, { file, line: inc.line }, files, state.problems, inc.optional, reader)));
    }
  }
  state.read.push(`apache config from ${args.config} (pid ${r.pid})`);
  const result = apacheDoors(files, args.config, args.serverRoot, r.pid);
  state.doors.push(...result.doors);
  state.problems.push(...result.problems);
}

async function homeOf(pid: number): Promise<string | undefined> {
  return (await userOf(pid))?.home;
}

/** The first config that exists of several candidates; unreadable ones are problems. */
async function firstReadable(
  kind: DoorKind,
  pid: number,
  candidates: string[],
  state: DoorsState,
  tunnel: boolean,
): Promise<{ path: string; text: string } | undefined> {
  const reader = readerFor(pid, kind);
  for (const path of candidates) {
    const text = await reader.read(path);
    if (text.status === 'ok') return { path, text: text.data };
    if (text.reason !== 'not-found') {
      state.problems.push({ kind, pid, tunnel, source: path, detail: `${kind} (pid ${pid}) may use ${path}, which could not be read: ${text.detail}` });
      return undefined;
    }
  }
  return undefined;
}

async function readTunnel(r: Running, kind: DoorKind, state: DoorsState): Promise<void> {
  const home = await homeOf(r.pid);
  if (kind === 'cloudflared') {
    const candidates = cloudflaredConfigPaths(r.argv, home);
    const config = candidates.length > 0 ? await firstReadable(kind, r.pid, candidates, state, true) : undefined;
    const result = cloudflaredDoors(r.argv, config, r.pid);
    state.doors.push(...result.doors);
    state.problems.push(...result.problems);
  } else if (kind === 'ngrok') {
    const config = await firstReadable(kind, r.pid, ngrokConfigPaths(r.argv, home), state, true);
    const result = ngrokDoors(r.argv, config, r.pid);
    state.doors.push(...result.doors);
    state.problems.push(...result.problems);
  } else if (kind === 'frp') {
    const path = frpConfigPath(r.argv, await cwdOf(r.pid));
    const text = await readerFor(r.pid, 'frpc').read(path);
    if (text.status !== 'ok') {
      state.problems.push({
        kind,
        pid: r.pid,
        tunnel: true,
        source: path,
        detail: `frpc (pid ${r.pid}) runs with ${path}, which could not be read: ${text.detail}`,
      });
      return;
    }
    const result = frpDoors(text.data, path, r.pid);
    state.doors.push(...result.doors);
    state.problems.push(...result.problems);
  }
}

/** One forwarder's doors, problems and what was read, into STATE. */
async function readDoor(r: Running, state: DoorsState, docker?: Promise<Collected<DockerState>>): Promise<void> {
  const kind = doorKindOf(r.argv)!;
  switch (kind) {
    case 'nginx':
      return readNginx(r, state);
    case 'caddy':
      return readCaddy(r, state);
    case 'haproxy':
      return readHaproxy(r, state);
    case 'apache':
      return readApache(r, state);
    case 'traefik':
      return readTraefik(r.pid, r.argv, state, docker);
    case 'socat': {
      const door = socatDoor(r.argv, r.pid);
      if (door) state.doors.push(door);
      const why = door ? undefined : socatProblem(r.argv);
      if (why) state.problems.push({ kind, pid: r.pid, source: `/proc/${r.pid}/cmdline`, detail: `${why} (pid ${r.pid})` });
      return;
    }
    case 'ssh':
      state.doors.push(...sshDoors(r.argv, r.pid));
      return;
    case 'kubectl':
      state.doors.push(...kubectlDoors(r.argv, r.pid));
      return;
    case 'rinetd': {
      const path = rinetdConfigPath(r.argv);
      const text = await readerFor(r.pid, 'rinetd').read(path);
      if (text.status !== 'ok') {
        state.problems.push({ kind, pid: r.pid, source: path, detail: `rinetd (pid ${r.pid}) runs with ${path}, which could not be read: ${text.detail}` });
        return;
      }
      const result = rinetdDoors(text.data, path, r.pid);
      state.doors.push(...result.doors);
      state.problems.push(...result.problems);
      return;
    }
    default:
      return readTunnel(r, kind, state);
  }
}

export async function collectDoors(processes: Map<number, string[]>, docker?: Promise<Collected<DockerState>>): Promise<Collected<DoorsState>> {
  const running = await sameNetns(processes);
  // Read in parallel, kept in pid order: two collections of one host (or its recording) list the same doors alike.
  const parts = await Promise.all(
    running.map(async (r) => {
      const part: DoorsState = { doors: [], problems: [], read: [] };
      await readDoor(r, part, docker);
      return part;
    }),
  );
  const state: DoorsState = { doors: parts.flatMap((p) => p.doors), problems: parts.flatMap((p) => p.problems), read: parts.flatMap((p) => p.read) };
  await addContainerDoors(state, docker, processes);
  return ok(state);
}

/**
 * What collectDoors reads, for the collection script: which forwarders run, in which namespace,
 * as whom, nginx's own dump (`nginx -T`, as the master's owner), and the config files of Caddy
 * (with `caddy adapt`), HAProxy, Apache and the tunnels found as the functions above find them
 * (script/door-rounds.ts), nginx's files one by one when `nginx -T` fails, and Traefik's static
 * and file-provider configuration as traefik-read.ts finds it (script/traefik-round.ts).
 */
export const DOOR_READS: ScriptReads = {
  which: ['nginx', 'caddy'],
  processes: [{ pattern: 'nginx|caddy|haproxy|apache2|httpd|socat|rinetd|ssh|kubectl|cloudflared|ngrok|frpc|traefik', reads: ['netns', 'status', 'cwd'] }],
  rounds: ['nginx', 'door-configs', 'traefik'],
};
