import { appendFileSync, chmodSync, chownSync, lchownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/snapshot/types.js';
import { binary, labPath } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { hold, release, Scope, tempDir, type Resource } from './lab/cleanup.js';
import { CLI, Clawmoat, ensureBuilt } from './lab/clawmoat.js';
import { Netns } from './lab/netns.js';
import { PrivateEtc } from './lab/private-mounts.js';
import { spawnDaemon, stopPid, waitFor } from './lab/proc.js';

/**
 * The collection script reads every door's config as `collect` does: in a lab host (a network
 * namespace, a private /etc/passwd) run the real Caddy (one as root, one as a hostile user with a
 * relative --config), HAProxy (-f a directory of *.cfg), Apache (-d/-f, an IncludeOptional glob
 * and an Include of a directory), nginx run by the hostile user (its nginx -T runs as that user),
 * an nginx master whose config nginx -T rejects (its files are read one by one),
 * and processes whose argv is cloudflared's, ngrok's and frpc's with their config files (explicit,
 * from the owner's home, relative to the working directory), and traefik's (not a Debian package:
 * a renamed node or sleep, with real files): a root one by --configFile (TOML, its file provider
 * directory walked, a link to a directory not, a broken file by its line), the hostile user's by
 * ./traefik.yml naming a root-only file, the hostile user's by flags (its own link to the root-only
 * file, a subdirectory it cannot list), and a root one by its TRAEFIK_* environment. The script printed by `collect
 * --print-script` runs there under dash, busybox sh and bash; `collect --from` must give the same doors
 * (and snapshot) as `collect`, with nothing missing. A gateway-like process of the hostile user
 * has a config whose `$include`s nest two levels (an array, then a string, in a subdirectory):
 * the script follows them as OpenClaw does, and never one outside the config's directory. As a
 * plain user (no `sshd -T`), an sshd Include outside sshd_config.d is followed as collect does.
 */

const HOSTILE = 12345;
const GATEWAY_PORT = 28789;
const TOKEN = 'lab-include-token-0123456789abcdef0123456789';
const ROOT_ONLY = 'root-only-marker-7f3a9c';

const req = requires(
  'collect script reads the doors of Caddy, HAProxy, Apache, nginx of a user, and tunnels (root, netns, hostile-user, busybox, caddy, haproxy, apache, nginx)',
  ['root', 'netns', 'hostile-user', 'busybox', 'caddy', 'haproxy', 'apache', 'nginx'],
);
describe.skipIf(req.skip)(req.name, req.options, () => {
  const scope = new Scope();
  let gw: Netns;
  let etc: PrivateEtc;
  let clawmoat: Clawmoat;
  let work: string;
  let hostileHome: string;
  let local: Snapshot;

  /** What two collections of this unchanged host share: all but when, how, and OpenClaw's search (it follows HOME, which differs). */
  function comparable(snapshot: Snapshot): Omit<Snapshot, 'collectedAt' | 'timings' | 'collection' | 'openclaw'> {
    const { collectedAt: _at, timings: _t, collection: _c, openclaw: _o, ...rest } = snapshot;
    return rest;
  }

  async function collectJson(args: string[], into: string): Promise<Snapshot> {
    const result = await clawmoat.run(['collect', ...args, '-o', into]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(readFileSync(into, 'utf8')) as Snapshot;
  }

  /** A directory of the hostile user's, holding FILES (name → text). */
  function hostileDir(name: string, files: Record<string, string>): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    for (const path of [dir, ...Object.keys(files).map((f) => join(dir, f))]) chownSync(path, HOSTILE, HOSTILE);
    return dir;
  }

  /** A daemon in the lab host, stopped by PID when the scope ends; `listens` is the port it must open (none for a tunnel). */
  async function start(
    label: string,
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv; hostile?: boolean; listens?: number; argv0?: string },
  ) {
    const [cmd, argv] = options.hostile
      ? gw.argv(binary('setpriv'), [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups', command, ...args])
      : gw.argv(command, args);
    const daemon = spawnDaemon(cmd, argv, { env: { PATH: labPath(), ...options.env }, logFile: join(work, `${label}.log`), cwd: options.cwd });
    const resource: Resource = { kind: 'process', pid: daemon.pid, startTime: daemon.startTime, label };
    hold(resource);
    scope.defer(label, async () => {
      await stopPid(daemon.pid, daemon.startTime, 5_000);
      release(resource);
    });
    const port = options.listens;
    if (port === undefined) {
      // Until the exec chain (ip netns exec, setpriv, bash) reaches the process with its own argv.
      const argv0 = `${options.argv0}\0`;
      await waitFor(async () => (readFileSync(`/proc/${daemon.pid}/cmdline`, 'latin1').startsWith(argv0) ? true : undefined), {
        what: label,
        timeoutMs: 10_000,
        abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
      });
      return;
    }
    await waitFor(async () => ((await gw.exec(binary('ss'), ['-Hltn', 'sport', '=', `:${port}`])).stdout.trim() ? true : undefined), {
      what: `${label} in ${gw.name}`,
      timeoutMs: 15_000,
      abort: () => (daemon.exited() ? `${daemon.exited()!}\n${daemon.logTail()}` : undefined),
    });
  }

  /** A process whose argv is a tunnel program's (argv[0] NAME, then ARGS), for as long as the test runs. */
  function tunnel(label: string, name: string, args: string[], options: { cwd: string; hostile?: boolean }) {
    return start(label, binary('bash'), ['-c', `exec -a ${name} "${process.execPath}" -e "setInterval(() => {}, 1e9)" -- "$@"`, 'bash', ...args], {
      ...options,
      argv0: name,
    });
  }

  async function runScript(shell: string[], name: string): Promise<string> {
    const out = join(work, `${name}.out`);
    const env = { PATH: labPath(), HOME: work, LANG: 'C.UTF-8', DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` };
    const result = await etc.exec(gw, binary('sh'), ['-c', `exec "$@" < "${join(work, 'collect.sh')}" > "${out}"`, 'sh', ...shell], {
      env,
      allowFail: true,
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    return out;
  }

  beforeAll(async () => {
    await ensureBuilt();
    work = tempDir(scope, 'collect-script-doors');
    chmodSync(work, 0o755);
    hostileHome = hostileDir('home', {});
    etc = PrivateEtc.create(scope, { files: [{ target: '/etc/passwd', append: `clawtun:x:${HOSTILE}:${HOSTILE}::${hostileHome}:/bin/sh\n` }] });
    gw = await Netns.create(scope, 'csdoor');
    // An sshd Include outside /etc/ssh/sshd_config.d, read when sshd -T cannot run (as a plain user).
    writeFileSync(join(work, 'extra-sshd.conf'), 'MaxAuthTries 3\n');
    appendFileSync(etc.copyOf('/etc/ssh/sshd_config'), `\nInclude ${join(work, 'extra-sshd.conf')}\n`);

    // Caddy as root, with an absolute Caddyfile.
    const caddyRoot = join(work, 'caddy-root');
    mkdirSync(caddyRoot);
    writeFileSync(join(caddyRoot, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n}\n:8445 {\n\treverse_proxy 127.0.0.1:${GATEWAY_PORT}\n}\n`);
    await start('caddy-root', binary('caddy'), ['run', '--config', join(caddyRoot, 'Caddyfile'), '--adapter', 'caddyfile'], {
      cwd: caddyRoot,
      env: { HOME: caddyRoot, XDG_DATA_HOME: join(caddyRoot, 'data'), XDG_CONFIG_HOME: join(caddyRoot, 'config') },
      listens: 8445,
    });
    // Caddy as the hostile user, its Caddyfile named relative to its working directory: adapted as that user.
    const caddyUser = hostileDir('caddy-user', {
      Caddyfile: `{\n\tadmin off\n\tauto_https off\n}\n:8446 {\n\treverse_proxy 127.0.0.1:${GATEWAY_PORT}\n}\n`,
    });
    await start('caddy-user', binary('caddy'), ['run', '--config', 'Caddyfile'], {
      cwd: caddyUser,
      env: { HOME: caddyUser, XDG_DATA_HOME: join(caddyUser, 'data'), XDG_CONFIG_HOME: join(caddyUser, 'config') },
      hostile: true,
      listens: 8446,
    });

    // HAProxy with -f naming a directory: every *.cfg in it.
    const haproxy = join(work, 'haproxy');
    mkdirSync(join(haproxy, 'conf.d'), { recursive: true });
    writeFileSync(
      join(haproxy, 'conf.d', '00-global.cfg'),
      'global\n    maxconn 64\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n',
    );
    writeFileSync(
      join(haproxy, 'conf.d', '10-gw.cfg'),
      `frontend web\n    bind :8447\n    option forwardfor\n    default_backend gw\nbackend gw\n    server s1 127.0.0.1:${GATEWAY_PORT}\n`,
    );
    await start('haproxy', binary('haproxy'), ['-db', '-f', join(haproxy, 'conf.d')], { cwd: haproxy, listens: 8447 });

    // Apache with -d/-f, an IncludeOptional glob and an Include of a directory.
    const apache = join(work, 'apache');
    mkdirSync(join(apache, 'sites'), { recursive: true });
    mkdirSync(join(apache, 'extra'), { recursive: true });
    const mods = '/usr/lib/apache2/modules';
    writeFileSync(
      join(apache, 'httpd.conf'),
      [
        `ServerRoot ${apache}`,
        `PidFile ${apache}/httpd.pid`,
        `ErrorLog ${apache}/error.log`,
        `DefaultRuntimeDir ${apache}`,
        `Mutex file:${apache} default`,
        'ServerName localhost',
        'User nobody',
        'Group nogroup',
        `LoadModule mpm_event_module ${mods}/mod_mpm_event.so`,
        `LoadModule authz_core_module ${mods}/mod_authz_core.so`,
        `LoadModule proxy_module ${mods}/mod_proxy.so`,
        `LoadModule proxy_http_module ${mods}/mod_proxy_http.so`,
        'Include extra',
        'IncludeOptional "sites/*.conf"',
        '',
      ].join('\n'),
    );
    writeFileSync(join(apache, 'extra', 'ports'), 'Listen 8448\nListen 127.0.0.1:8449\n');
    writeFileSync(join(apache, 'sites', 'gw.conf'), `<VirtualHost *:8448>\n  ProxyPass / http://127.0.0.1:${GATEWAY_PORT}/\n</VirtualHost>\n`);
    writeFileSync(join(apache, 'sites', 'local.conf'), `<VirtualHost 127.0.0.1:8449>\n  ProxyPass / http://127.0.0.1:${GATEWAY_PORT}/\n</VirtualHost>\n`);
    await start('apache', binary('apache2'), ['-d', apache, '-f', 'httpd.conf', '-DFOREGROUND'], { cwd: apache, listens: 8448 });

    // nginx run by the hostile user: its nginx -T runs as that user.
    const nginx = hostileDir('nginx-user', {
      'nginx.conf': `worker_processes 1;\npid ${join(work, 'nginx-user')}/nginx.pid;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  client_body_temp_path ${join(work, 'nginx-user')}/body;\n  proxy_temp_path ${join(work, 'nginx-user')}/proxy;\n  server {\n    listen 8081;\n    location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; }\n  }\n}\n`,
    });
    await start('nginx-user', binary('nginx'), ['-p', `${nginx}/`, '-e', `${nginx}/error.log`, '-c', `${nginx}/nginx.conf`, '-g', 'daemon off;'], {
      cwd: nginx,
      hostile: true,
      listens: 8081,
    });

    // An nginx master whose config nginx -T rejects (an unknown directive in an included file): collect reads the files one by one.
    const broken = join(work, 'nginx-broken');
    mkdirSync(join(broken, 'sites'), { recursive: true });
    writeFileSync(join(broken, 'nginx.conf'), 'events {}\nhttp {\n  include sites/*.conf;\n}\n');
    writeFileSync(join(broken, 'sites', 'gw.conf'), `server {\n  listen 8090;\n  location / { proxy_pass http://127.0.0.1:${GATEWAY_PORT}; }\n}\n`);
    writeFileSync(join(broken, 'sites', 'typo.conf'), 'no_such_directive on;\n');
    await start('nginx-broken', binary('bash'), ['-c', `exec -a "nginx: master process nginx -c ${broken}/nginx.conf" sleep 600`], {
      cwd: broken,
      argv0: `nginx: master process nginx -c ${broken}/nginx.conf`,
    });

    // Tunnels: cloudflared with --config, ngrok from its owner's home, frpc relative to its working directory.
    const cloudflared = join(work, 'cloudflared');
    mkdirSync(cloudflared);
    writeFileSync(
      join(cloudflared, 'config.yml'),
      `tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef\ningress:\n  - hostname: gw.example.com\n    service: http://localhost:${GATEWAY_PORT}\n  - service: http_status:404\n`,
    );
    await tunnel('cloudflared', 'cloudflared', ['tunnel', '--config', join(cloudflared, 'config.yml'), 'run'], { cwd: cloudflared });
    mkdirSync(join(hostileHome, '.config', 'ngrok'), { recursive: true });
    writeFileSync(
      join(hostileHome, '.config', 'ngrok', 'ngrok.yml'),
      `version: "2"\nauthtoken: lab-ngrok-authtoken\ntunnels:\n  gw:\n    proto: http\n    addr: ${GATEWAY_PORT}\n    domain: gw.ngrok.app\n`,
    );
    for (const p of [join(hostileHome, '.config'), join(hostileHome, '.config', 'ngrok'), join(hostileHome, '.config', 'ngrok', 'ngrok.yml')])
      chownSync(p, HOSTILE, HOSTILE);
    await tunnel('ngrok', 'ngrok', ['start', '--all'], { cwd: hostileHome, hostile: true });
    const frp = hostileDir('frp', {
      'frpc.toml': `serverAddr = "frps.example.net"\nserverPort = 7000\n\n[[proxies]]\nname = "openclaw"\ntype = "tcp"\nlocalIP = "127.0.0.1"\nlocalPort = ${GATEWAY_PORT}\nremotePort = 6000\n`,
    });
    await tunnel('frpc', 'frpc', ['-c', 'frpc.toml'], { cwd: frp, hostile: true });

    // Traefik (not a Debian package: a process titled traefik, with real config files). As root: a
    // static TOML named relative to its working directory, a file provider directory of YAML and
    // TOML with a subdirectory walked, a symbolic link to a directory not walked (as Traefik's
    // os.ReadDir), a file that is not config, and a broken file named by its line.
    const traefikRoot = join(work, 'traefik-root');
    mkdirSync(join(traefikRoot, 'dynamic', 'sub'), { recursive: true });
    mkdirSync(join(traefikRoot, 'elsewhere'));
    writeFileSync(
      join(traefikRoot, 'static.toml'),
      `[entryPoints.web]\n  address = ":8451"\n\n[providers.file]\n  directory = "${join(traefikRoot, 'dynamic')}/"\n`,
    );
    writeFileSync(
      join(traefikRoot, 'dynamic', 'gw.yml'),
      `http:\n  routers:\n    gw:\n      rule: "Host(\`gw.example.com\`)"\n      service: gw\n  services:\n    gw:\n      loadBalancer:\n        servers:\n          - url: "http://127.0.0.1:${GATEWAY_PORT}"\n`,
    );
    writeFileSync(
      join(traefikRoot, 'dynamic', 'sub', 'raw.toml'),
      `[tcp.routers.raw]\n  rule = "HostSNI(\`*\`)"\n  service = "raw"\n\n[[tcp.services.raw.loadBalancer.servers]]\n  address = "127.0.0.1:${GATEWAY_PORT}"\n`,
    );
    writeFileSync(join(traefikRoot, 'dynamic', 'broken.yml'), 'http:\n  routers:\n    x: [\n');
    writeFileSync(join(traefikRoot, 'dynamic', 'README'), 'not config\n');
    writeFileSync(join(traefikRoot, 'elsewhere', 'hidden.yml'), 'http:\n  routers:\n    hidden:\n      service: nowhere\n');
    symlinkSync(join(traefikRoot, 'elsewhere'), join(traefikRoot, 'dynamic', 'linked'));
    await tunnel('traefik-root', 'traefik', ['--configFile=static.toml'], { cwd: traefikRoot });
    // The hostile user's traefik: ./traefik.yml found in its working directory, naming a root-only file.
    writeFileSync(join(work, 'traefik-secret.yml'), `# ${ROOT_ONLY}\nhttp:\n  routers:\n    r:\n      service: s\n`, { mode: 0o600 });
    const traefikUser = hostileDir('traefik-user', {
      'traefik.yml': `entryPoints:\n  web:\n    address: ":8452"\nproviders:\n  file:\n    filename: '${join(work, 'traefik-secret.yml')}'\n`,
    });
    await tunnel('traefik-user', 'traefik', [], { cwd: traefikUser, hostile: true });
    // The hostile user's traefik by flags alone. Its provider directory holds its own symbolic link to the root-only file
    // and a subdirectory it cannot list itself. (Not a link of its own to a file it may read: the script refuses every
    // user's link, stricter than collect, for want of O_NOFOLLOW in sh; src/collect/README.md.)
    const traefikFlags = hostileDir('traefik-flags', {});
    mkdirSync(join(traefikFlags, 'conf', 'locked'), { recursive: true });
    symlinkSync(join(work, 'traefik-secret.yml'), join(traefikFlags, 'conf', 'swapped.yml'));
    for (const p of ['conf', 'conf/locked', 'conf/swapped.yml']) lchownSync(join(traefikFlags, p), HOSTILE, HOSTILE);
    chmodSync(join(traefikFlags, 'conf', 'locked'), 0o000);
    await tunnel('traefik-flags', 'traefik', ['--entrypoints.web.address=:8453', '--providers.file.directory', join(traefikFlags, 'conf')], {
      cwd: traefikFlags,
      hostile: true,
    });
    // A root traefik by its TRAEFIK_* environment alone, its file provider one file.
    const traefikEnv = join(work, 'traefik-env');
    mkdirSync(traefikEnv);
    writeFileSync(
      join(traefikEnv, 'dynamic.yml'),
      `tcp:\n  routers:\n    env:\n      rule: "HostSNI(\`*\`)"\n      service: env\n  services:\n    env:\n      loadBalancer:\n        servers:\n          - address: "127.0.0.1:${GATEWAY_PORT}"\n`,
    );
    // (sleep, not node: node's own -e would read as a flag, and Traefik reads its environment only without flags)
    await start('traefik-env', binary('bash'), ['-c', 'exec -a traefik sleep 600'], {
      cwd: traefikEnv,
      env: { TRAEFIK_ENTRYPOINTS_RAW_ADDRESS: ':8454', TRAEFIK_PROVIDERS_FILE_FILENAME: join(traefikEnv, 'dynamic.yml') },
      argv0: 'traefik',
    });

    // A gateway-like listener of the hostile user, whose config is spread over $include files.
    mkdirSync(join(hostileHome, '.openclaw', 'parts'), { recursive: true });
    writeFileSync(
      join(hostileHome, '.openclaw', 'openclaw.json'),
      `{\n  // the gateway's own\n  $include: [\n    "./parts/gateway.json5",\n  ],\n  gateway: { port: ${GATEWAY_PORT} },\n}\n`,
    );
    writeFileSync(
      join(hostileHome, '.openclaw', 'parts', 'gateway.json5'),
      `{ gateway: { bind: "lan", auth: { mode: "token", token: "${TOKEN}" } }, '$include': '../parts/./mode.json5' }\n`,
    );
    writeFileSync(join(hostileHome, '.openclaw', 'parts', 'mode.json5'), `{ gateway: { mode: "local" } }\n`);
    // A root-only file, and a legacy config of the hostile user's whose $include climbs out of its directory to it.
    writeFileSync(join(work, 'root-only'), `${ROOT_ONLY}\n`, { mode: 0o600 });
    mkdirSync(join(hostileHome, '.clawdbot'));
    writeFileSync(join(hostileHome, '.clawdbot', 'clawdbot.json'), `{ $include: "../../root-only" }\n`);
    chownSync(join(hostileHome, '.clawdbot'), HOSTILE, HOSTILE);
    chownSync(join(hostileHome, '.clawdbot', 'clawdbot.json'), HOSTILE, HOSTILE);
    for (const p of ['.openclaw', '.openclaw/openclaw.json', '.openclaw/parts', '.openclaw/parts/gateway.json5', '.openclaw/parts/mode.json5'])
      chownSync(join(hostileHome, p), HOSTILE, HOSTILE);
    const listener = `require('node:net').createServer((s) => s.destroy()).listen(${GATEWAY_PORT}, '0.0.0.0');`;
    await start('gateway', binary('bash'), ['-c', `exec -a openclaw-gateway "${process.execPath}" -e "$1"`, 'bash', listener], {
      cwd: hostileHome,
      env: { HOME: hostileHome },
      hostile: true,
      listens: GATEWAY_PORT,
    });

    clawmoat = new Clawmoat(scope, gw, etc, { dockerHost: `unix://${join(work, 'no-docker.sock')}` });
    const printed = await clawmoat.run(['collect', '--print-script']);
    expect(printed.code, printed.stderr).toBe(0);
    writeFileSync(join(work, 'collect.sh'), printed.stdout);
    local = await collectJson([], join(work, 'local.json'));
  }, 10 * 60_000);
  afterAll(() => scope.dispose());

  it('collect reads every door locally, with no problem', () => {
    expect(local.doors?.status).toBe('ok');
    if (local.doors?.status !== 'ok') return;
    const seen = local.doors.data.doors.map((d) => `${d.kind}:${d.listen?.[0]?.port ?? d.remote?.url ?? ''}`).sort();
    for (const key of ['caddy:8445', 'caddy:8446', 'haproxy:8447', 'apache:8448', 'apache:8449', 'nginx:8081']) expect(seen).toContain(key);
    for (const kind of ['cloudflared', 'ngrok', 'frp']) expect(local.doors.data.doors.some((d) => d.kind === kind)).toBe(true);
    expect(seen).toContain('nginx:8090');
    // The problems: the nginx whose config nginx -T rejects, named where nginx says; Traefik's broken file by its line, the
    // root-only file the hostile user's traefik names, and the directory that traefik's owner cannot list.
    const problems = [...local.doors.data.problems].sort((a, b) => a.source.localeCompare(b.source));
    expect(problems).toMatchObject([
      { kind: 'nginx', source: join(work, 'nginx-broken', 'sites', 'typo.conf'), line: 1 },
      { kind: 'traefik', source: join(work, 'traefik-flags', 'conf', 'locked'), detail: expect.stringContaining('could not be listed') },
      { kind: 'traefik', source: join(work, 'traefik-flags', 'conf', 'swapped.yml'), detail: expect.stringContaining(`not readable by the owner of traefik`) },
      { kind: 'traefik', source: join(work, 'traefik-root', 'dynamic', 'broken.yml'), line: expect.any(Number) },
      {
        kind: 'traefik',
        source: join(work, 'traefik-secret.yml'),
        detail: expect.stringContaining(`is not readable by the owner of traefik (uid ${HOSTILE})`),
      },
    ]);
  });

  it('reads Traefik locally as Traefik would: its static file, flags or environment, the file provider walked', () => {
    const doors = local.doors?.status === 'ok' ? local.doors.data.doors.filter((d) => d.kind === 'traefik') : [];
    const described = doors.map((d) => `${d.listen?.[0]?.port} ${d.layer} ${d.location?.file ?? ''}`).sort();
    expect(described).toEqual([
      `8451 http ${join(work, 'traefik-root', 'dynamic', 'gw.yml')}`,
      `8451 tcp ${join(work, 'traefik-root', 'dynamic', 'sub', 'raw.toml')}`,
      `8454 tcp ${join(work, 'traefik-env', 'dynamic.yml')}`,
    ]);
    // The symbolic link to a directory is not walked (Traefik's os.ReadDir does not follow it).
    expect(JSON.stringify(local.doors)).not.toContain('hidden');
  });

  it.each([
    ['dash', ['dash', '-s']],
    ['busybox sh', [binary('busybox'), 'sh', '-s']],
    ['bash', [binary('bash'), '-s']],
  ])('under %s: collect --from gives the same doors and snapshot as collect, nothing missing', async (name, shell) => {
    const out = await runScript(shell, name.replace(' ', '-'));
    const parsed = await collectJson(['--from', out], join(work, `${name.replace(' ', '-')}.json`));
    expect(parsed.collection?.missing).toEqual([]);
    expect(parsed.doors).toEqual(local.doors);
    expect(comparable(parsed)).toEqual(comparable(local));
    // The root-only file the hostile user's traefik names is never read by the script: its bytes are not in the output.
    expect(readFileSync(out, 'latin1')).not.toContain(ROOT_ONLY);
  });

  it("follows the gateway config's $include files as collect does, and prints no token", () => {
    expect(local.openclaw.config.status).toBe('ok');
    const files = local.openclaw.config.status === 'ok' ? local.openclaw.config.data.files : [];
    expect(files).toEqual(['openclaw.json', 'parts/gateway.json5', 'parts/mode.json5'].map((f) => join(hostileHome, '.openclaw', f)));
    for (const name of ['dash', 'busybox-sh']) {
      const text = readFileSync(join(work, `${name}.json`), 'utf8');
      expect(text).not.toContain(TOKEN);
      const parsed = JSON.parse(text) as Snapshot;
      expect(parsed.openclaw.config).toEqual(local.openclaw.config);
      expect(parsed.openclaw.processes).toEqual(local.openclaw.processes);
      // An $include outside its config's directory is not read by the script: the raw output never holds that file.
      expect(readFileSync(join(work, `${name}.out`), 'latin1')).not.toContain(ROOT_ONLY);
    }
  });

  it("as a plain user, where sshd -T cannot run: the script follows sshd's Include outside sshd_config.d as collect does", async () => {
    const asUser = [`--reuid=${HOSTILE}`, `--regid=${HOSTILE}`, '--clear-groups'];
    const env = { PATH: labPath(), HOME: hostileHome, LANG: 'C.UTF-8', DOCKER_HOST: `unix://${join(work, 'no-docker.sock')}` };
    const localFile = join(hostileHome, 'user-local.json');
    const collected = await etc.exec(gw, binary('setpriv'), [...asUser, process.execPath, CLI, 'collect', '-o', localFile], { env, allowFail: true });
    expect(collected.code, collected.stderr).toBe(0);
    const out = join(work, 'user.out');
    const ran = await etc.exec(
      gw,
      binary('sh'),
      ['-c', `exec "$@" < "${join(work, 'collect.sh')}" > "${out}"`, 'sh', binary('setpriv'), ...asUser, 'dash', '-s'],
      {
        env,
        allowFail: true,
        timeoutMs: 120_000,
      },
    );
    expect(ran.code, ran.stderr).toBe(0);
    const byUser = JSON.parse(readFileSync(localFile, 'utf8')) as Snapshot;
    const parsed = await collectJson(['--from', out], join(work, 'user-script.json'));
    expect(byUser.sshd.status === 'ok' && byUser.sshd.data.source).toBe('config-files');
    expect(byUser.sshd.status === 'ok' && byUser.sshd.data.effective.status === 'ok' && byUser.sshd.data.effective.data.maxauthtries).toEqual(['3']);
    expect(parsed.sshd).toEqual(byUser.sshd);
    expect(parsed.collection?.missing.filter((m) => m.includes('ssh'))).toEqual([]);
  });

  it("runs the hostile user's dump commands as that user, never as root", () => {
    const script = readFileSync(join(work, 'collect.sh'), 'utf8');
    expect(script).toContain('--reuid="$du" --regid="$dg" --clear-groups');
    const out = readFileSync(join(work, 'dash.out'), 'latin1');
    expect(out).toContain(`as ${HOSTILE}:${HOSTILE} caddy adapt --config ${join(work, 'caddy-user', 'Caddyfile')} --adapter caddyfile`);
    expect(out).toContain(`as ${HOSTILE}:${HOSTILE} nginx -T -p ${join(work, 'nginx-user')}/`);
  });
});
