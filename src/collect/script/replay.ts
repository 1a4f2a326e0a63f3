import { basename } from 'node:path';
import { DEFAULT_MAX_BYTES, sha256, type SafeRead } from '../../safe-fs/read.js';
import type { Collected } from '../../snapshot/types.js';
import {
  commandResult,
  DEFAULT_TIMEOUT_MS,
  dirFailure,
  ok,
  unavailable,
  type HostAccess,
  type HostFacts,
  type PathKind,
  type PathOwners,
  type RawRead,
} from '../host.js';
import type { ScriptRecord } from './frame.js';

/**
 * Another host, as the collection script recorded it: a HostAccess that answers each read from
 * the records, so the collectors parse it with the very code that reads this machine. A read the
 * script did not make is never guessed: it answers as unreadable and is listed in `missing`, which
 * the snapshot carries, so a gap in the script shows instead of passing for an absent file.
 */

export interface Replay {
  host: HostAccess;
  /** Reads the collectors asked for that the script did not record, in the order asked. */
  missing: string[];
}

const NOT_RECORDED = 'was not read by the collection script';

/**
 * The process table from `grep -H -z '' PID/cmdline...`: "PID/cmdline:ARG\0" per argument, a
 * file's arguments together and in order. Back to each /proc/PID/cmdline as the kernel has it.
 */
function processTable(records: Map<string, ScriptRecord>): Map<string, Buffer> | undefined {
  const blob = records.get('argv\0/proc');
  if (!blob || blob.status !== 'ok') return undefined;
  const args = new Map<string, Buffer[]>();
  let at = 0;
  while (at < blob.data.length) {
    let end = blob.data.indexOf(0, at);
    if (end < 0) end = blob.data.length;
    const entry = blob.data.subarray(at, end);
    const colon = entry.indexOf(0x3a);
    const name = colon > 0 ? entry.subarray(0, colon).toString('latin1') : '';
    if (/^\d+\/cmdline$/.test(name)) {
      const key = `/proc/${name}`;
      if (!args.has(key)) args.set(key, []);
      args.get(key)!.push(entry.subarray(colon + 1), Buffer.from([0]));
    }
    at = end + 1;
  }
  return new Map([...args].map(([key, parts]) => [key, Buffer.concat(parts)]));
}

const READ_FAILURE: Record<string, Exclude<SafeRead, { ok: true }>['reason']> = {
  missing: 'not-found',
  denied: 'permission-denied',
  notreg: 'not-regular',
  large: 'too-large',
  unsafe: 'unsafe',
  error: 'error',
};

export function replayHost(records: readonly ScriptRecord[]): Replay {
  const byKey = new Map<string, ScriptRecord>();
  for (const r of records) if (!byKey.has(`${r.op}\0${r.id}`)) byKey.set(`${r.op}\0${r.id}`, r);
  const missing: string[] = [];
  const miss = (what: string) => {
    if (!missing.includes(what)) missing.push(what);
  };
  const get = (op: string, id: string) => byKey.get(`${op}\0${id}`);
  const text = (r: ScriptRecord | undefined) => r?.data.toString('utf8') ?? '';
  const cmdlines = processTable(byKey);

  const env: NodeJS.ProcessEnv = {};
  for (const r of records) if (r.op === 'env' && r.status === 'ok') env[r.id] = text(r);
  const fact = (name: string) => text(get('fact', name));
  const facts: HostFacts = {
    pid: Number(fact('pid')) || -1,
    uid: fact('uid') === '' ? -1 : Number(fact('uid')),
    hostname: fact('hostname'),
    kernel: fact('kernel'),
    platform: fact('platform') || 'unknown',
    cwd: fact('cwd') || '/',
    env,
  };

  const host: HostAccess = {
    facts: () => facts,

    async run(command, args, options) {
      // A dump command run as another user (nginx -T, caddy adapt as the process's owner) is recorded as "as UID:GID ARGV".
      const as = options.uid !== undefined ? `as ${options.uid}:${options.gid ?? options.uid} ` : '';
      const id = `${as}${[basename(command), ...args].join(' ')}`;
      const label = [command, ...args].join(' ');
      const out = get('run', id);
      if (!out) {
        miss(`run ${id}`);
        return unavailable('error', `${label} ${NOT_RECORDED}`);
      }
      const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      if (out.status === 'absent') return commandResult(label, { stdout: '', stderr: '', exit: null, notFound: true }, command, timeout);
      const stderr = text(get('stderr', id));
      if (out.status === 'timeout') return commandResult(label, { stdout: '', stderr, exit: null, timedOut: true }, command, timeout);
      return commandResult(label, { stdout: text(out), stderr, exit: Number(out.status) }, command, timeout);
    },

    async readSafe(path, options) {
      const r = get('read', path);
      if (!r) {
        miss(`read ${path}`);
        return { ok: false, reason: 'error', detail: `${path} ${NOT_RECORDED}` };
      }
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
      if (r.status === 'ok' && r.data.length > maxBytes) {
        return { ok: false, reason: 'too-large', detail: `${path} is over the ${maxBytes}-byte limit for a file of this kind; is it the right file?` };
      }
      if (r.status === 'ok') {
        const identity = { real: path, dev: '', ino: '', parentDev: '', parentIno: '', mode: 0, uid: -1, gid: -1, sha256: sha256(r.data) };
        return { ok: true, data: r.data, identity };
      }
      const reason = READ_FAILURE[r.status] ?? 'error';
      return { ok: false, reason, detail: reason === 'not-found' ? `${path} does not exist` : text(r) || `${path} could not be read` };
    },

    async readRaw(path): Promise<RawRead> {
      if (cmdlines && /^\/proc\/\d+\/cmdline$/.test(path)) {
        const argv = cmdlines.get(path);
        return argv ? { ok: true, data: argv } : { ok: false, code: 'ENOENT' };
      }
      const r = get('raw', path);
      if (!r) {
        miss(`read ${path}`);
        return { ok: false, code: 'ENOTRECORDED' };
      }
      return r.status === 'ok' ? { ok: true, data: r.data } : { ok: false, code: r.status };
    },

    async listDir(path) {
      if (path === '/proc' && cmdlines) return [...cmdlines.keys()].map((k) => k.split('/')[2]!);
      const r = get('list', path);
      if (!r) miss(`list ${path}`);
      if (!r || r.status !== 'ok') return [];
      return text(r)
        .split('\0')
        .filter((n) => n !== '');
    },

    async readDir(path) {
      const r = get('dir', path);
      if (!r) {
        miss(`list ${path}`);
        return unavailable('error', `${path} ${NOT_RECORDED}`);
      }
      if (r.status !== 'ok') return dirFailure(path, r.status);
      // "d" or "-" (a directory or not, a symbolic link not followed), then the name; NUL-ended.
      return ok(
        text(r)
          .split('\0')
          .filter((e) => e.length > 1)
          .map((e) => ({ name: e.slice(1), dir: e[0] === 'd' })),
      );
    },

    async pathOwners(path): Promise<PathOwners> {
      // The real path, then "UID GID MODE" (hex, as stat %f) for / and each component of it, one a line.
      const r = get('owners', path);
      if (!r) {
        miss(`owners ${path}`);
        return { ok: false, missing: false, detail: `the owners of ${path} ${NOT_RECORDED}` };
      }
      if (r.status === 'missing') return { ok: false, missing: true, detail: `${path} does not exist` };
      const [real = '', ...lines] = text(r).split('\n');
      const chain = lines.filter(Boolean).map((l) => {
        const [uid, gid, mode] = l.split(' ');
        return { uid: Number(uid), gid: Number(gid), mode: parseInt(mode ?? '', 16) };
      });
      const whole = chain.length === real.split('/').filter(Boolean).length + 1 && chain.every((c) => [c.uid, c.gid, c.mode].every(Number.isInteger));
      if (r.status !== 'ok' || !real.startsWith('/') || !whole)
        return { ok: false, missing: false, detail: `the owners of ${path} could not be read on the host` };
      return { ok: true, real, chain };
    },

    async readlink(path) {
      const r = get('link', path);
      if (!r) miss(`readlink ${path}`);
      return r?.status === 'ok' ? text(r) : undefined;
    },

    async realpath(path) {
      const r = get('real', path);
      return r?.status === 'ok' ? text(r) : undefined;
    },

    async stat(path): Promise<PathKind> {
      const r = get('stat', path);
      if (r) return text(r) as PathKind;
      const read = get('read', path);
      if (read) return read.status === 'ok' ? 'file' : read.status === 'missing' ? 'missing' : 'other';
      miss(`stat ${path}`);
      return 'missing';
    },

    async which(program) {
      const r = get('which', program);
      if (!r) miss(`which ${program}`);
      return r?.status === 'ok' ? text(r) : undefined;
    },

    async dockerGet(socketPath, path): Promise<Collected<unknown>> {
      const r = get('docker', path);
      if (!r) {
        miss(`docker ${path}`);
        return unavailable('error', `Docker API ${path} ${NOT_RECORDED}`);
      }
      if (r.status === 'down') return unavailable('not-running', `Docker is not running (nothing answers on ${socketPath})`);
      if (r.status === 'denied') return unavailable('permission-denied', `${socketPath} is not accessible (run as root or join the docker group)`);
      if (r.status === 'noclient') {
        return unavailable('error', `the collection script reads the Docker API with curl --unix-socket, and curl is not installed on the host`);
      }
      const body = text(r);
      if (r.status !== '200') return unavailable('error', `Docker API ${path} answered ${r.status}: ${body.slice(0, 120).trim()}`);
      try {
        return ok(JSON.parse(body));
      } catch {
        return unavailable('error', `Docker API ${path} returned invalid JSON`);
      }
    },
  };
  return { host, missing };
}
