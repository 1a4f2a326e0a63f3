import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, labPath } from '../../support/binaries.js';
import { hold, release, tempDir, type Resource, type Scope } from './cleanup.js';
import type { Netns } from './netns.js';
import { spawnDaemon, stopPid, waitFor, type Daemon } from './proc.js';

/** Small servers for probe tests: a foreign HTTP server, a listener that speaks garbage. */

async function startIn(scope: Scope, ns: Netns, label: string, command: string, args: string[], port: number): Promise<Daemon> {
  const dir = tempDir(scope, label);
  const daemon = spawnDaemon(...ns.argv(command, args), { env: { PATH: labPath() }, logFile: join(dir, `${label}.log`), cwd: dir });
  const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label };
  hold(resource);
  scope.defer(label, async () => {
    await stopPid(daemon.pid, daemon.startTime, 3_000);
    release(resource);
  });
  await waitFor(
    async () => {
      const { stdout } = await ns.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${port}`], { env: { PATH: labPath() } });
      return stdout.trim() ? true : undefined;
    },
    { what: `${label} in ${ns.name}`, timeoutMs: 10_000, abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined) },
  );
  return daemon;
}

/** busybox httpd serving one page: an HTTP server that is not OpenClaw. */
export async function startBusyboxHttpd(scope: Scope, ns: Netns, port: number): Promise<Daemon> {
  const root = tempDir(scope, 'httpd-root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Some other service</title><p>hello</p>\n');
  return startIn(scope, ns, 'busybox-httpd', binary('busybox'), ['httpd', '-f', '-p', `0.0.0.0:${port}`, '-h', root], port);
}

/** A TCP listener that answers every connection with bytes that are not HTTP, then closes mid-way. */
export async function startGarbageListener(scope: Scope, ns: Netns, port: number): Promise<Daemon> {
  const script = `require('node:net').createServer((s) => { s.on('error', () => {}); s.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0x42])); setTimeout(() => s.destroy(), 50); }).listen(${port}, '0.0.0.0');`;
  return startIn(scope, ns, 'garbage-listener', process.execPath, ['-e', script], port);
}

/** A TCP listener that accepts and then says nothing at all. */
export async function startSilentListener(scope: Scope, ns: Netns, port: number, address = '0.0.0.0'): Promise<Daemon> {
  const script = `require('node:net').createServer((s) => { s.on('error', () => {}); }).listen(${port}, '${address}');`;
  return startIn(scope, ns, 'silent-listener', process.execPath, ['-e', script], port);
}

/** A user-space TCP forwarder (what socat or a careless reverse proxy does): 0.0.0.0:port → target. */
export async function startTcpForwarder(scope: Scope, ns: Netns, port: number, targetHost: string, targetPort: number): Promise<Daemon> {
  const script = `const net = require('node:net'); net.createServer((c) => { const u = net.connect(${targetPort}, '${targetHost}'); c.pipe(u).pipe(c); const end = () => { c.destroy(); u.destroy(); }; c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end); }).listen(${port}, '0.0.0.0');`;
  return startIn(scope, ns, 'tcp-forwarder', process.execPath, ['-e', script], port);
}
