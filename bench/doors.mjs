#!/usr/bin/env node
// Doors cost little (issue 14): on a lab host with nginx serving 200 generated sites and a
// Caddyfile of 50, `audit` stays within the start-up budget plus the time of the dump commands
// it runs (`nginx -T`, `caddy adapt`). In ONE hyperfine run: `audit` in an empty namespace (the
// start-up budget), `nginx -T` and `caddy adapt` exactly as clawmoat runs them, and `audit` in a
// namespace where that nginx and that Caddy run for real. The result is the ratio
//   audit with doors / (audit without + nginx -T + caddy adapt)
// at most 1 when the doors add nothing but their dump commands (clawmoat runs those in parallel
// with its other collectors, so it can be below 1). The machine is shared: the ratio is the result.
//
//   sudo node bench/doors.mjs [--runs 10]
//   sudo node bench/doors.mjs --keep   # set the lab up, print how to run in it, wait for Ctrl-C (to profile)
//
// Needs: root (ip netns), hyperfine, nginx, caddy, `npm run build`. Everything it starts runs in
// two namespaces and a temp dir of its own, and is stopped by PID and removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 10;
const keep = process.argv.includes('--keep');
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.clawmoat);
const NGINX_SITES = 200;
const CADDY_SITES = 50;
const GATEWAY = 18789;

const which = (p) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${p}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const nginx = which('nginx') || '/usr/sbin/nginx';
const caddy = which('caddy');
for (const [what, ok] of [
  ['clawmoat build (npm run build)', existsSync(cli)],
  ['hyperfine', which('hyperfine') !== ''],
  ['nginx', existsSync(nginx)],
  ['caddy', caddy !== ''],
]) {
  if (!ok) {
    console.error(`bench: missing ${what}`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench: run as root (nginx and Caddy run in network namespaces this bench creates)');
  process.exit(2);
}

/** 200 server blocks, one file each as in sites-enabled/: most proxy somewhere else, every tenth to the gateway. */
function writeNginx(dir) {
  mkdirSync(join(dir, 'sites'), { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      '  server_names_hash_bucket_size 128;',
      `  include ${dir}/sites/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  for (let i = 0; i < NGINX_SITES; i++) {
    const upstream = i % 10 === 0 ? GATEWAY : 3000 + i;
    writeFileSync(
      join(dir, 'sites', `site${i}.conf`),
      [
        `upstream app${i} { server 127.0.0.1:${upstream}; keepalive 8; }`,
        'server {',
        `  listen ${i % 2 === 0 ? '80' : '127.0.0.1:8081'};`,
        `  server_name site${i}.example.com www.site${i}.example.com;`,
        '  client_max_body_size 10m;',
        '  location /static/ { alias /var/www/static/; expires 7d; }',
        '  location / {',
        `    proxy_pass http://app${i};`,
        '    proxy_set_header Host $host;',
        '    proxy_set_header X-Forwarded-For $remote_addr;',
        '    proxy_http_version 1.1;',
        '    proxy_set_header Upgrade $http_upgrade;',
        '    proxy_set_header Connection "upgrade";',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  }
  return ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`];
}

function writeCaddy(dir) {
  const sites = [];
  for (let i = 0; i < CADDY_SITES; i++) {
    sites.push(
      `http://site${i}.example.org:8080 {`,
      `\treverse_proxy 127.0.0.1:${i % 10 === 0 ? GATEWAY : 4000 + i}`,
      i % 5 === 1 ? '\tbasicauth {\n\t\tadmin $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG\n\t}' : '\tencode gzip',
      '}',
    );
  }
  writeFileSync(join(dir, 'Caddyfile'), ['{', '\tadmin off', '\tauto_https off', '}', ...sites, ''].join('\n'));
  return ['--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'];
}

const empty = `clawmoat-bench-doors-empty-${process.pid}`;
const lab = `clawmoat-bench-doors-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'clawmoat-doors-'));
let nginxPid;
let caddyChild;
try {
  for (const ns of [empty, lab]) {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  const home = join(work, 'home');
  mkdirSync(join(home, '.openclaw'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, '.openclaw/openclaw.json'),
    `{\n  gateway: { mode: "local", bind: "loopback", port: ${GATEWAY}, auth: { mode: "token", token: "bench-token-0123456789abcdef0123456789" } },\n}\n`,
    { mode: 0o600 },
  );
  const env = { ...process.env, HOME: home, NO_COLOR: '1' };

  const nginxDir = join(work, 'nginx');
  const caddyDir = join(work, 'caddy');
  mkdirSync(nginxDir);
  mkdirSync(caddyDir);
  const nginxArgs = writeNginx(nginxDir);
  const caddyArgs = writeCaddy(caddyDir);
  // nginx daemonizes and writes its pid file; Caddy stays in the foreground as our child.
  execFileSync('ip', ['netns', 'exec', lab, nginx, ...nginxArgs]);
  nginxPid = Number(readFileSync(join(nginxDir, 'nginx.pid'), 'utf8').trim());
  const caddyEnv = { ...process.env, HOME: caddyDir, XDG_DATA_HOME: `${caddyDir}/data`, XDG_CONFIG_HOME: `${caddyDir}/config` };
  caddyChild = spawn('ip', ['netns', 'exec', lab, caddy, 'run', ...caddyArgs], { env: caddyEnv, stdio: 'ignore' });
  await new Promise((done) => setTimeout(done, 1500));

  // What the doors collector reads here, and how long it takes in its own timing.
  const snap = join(work, 'snapshot.json');
  execFileSync('ip', ['netns', 'exec', lab, process.execPath, cli, 'collect', '-o', snap], { env });
  const snapshot = JSON.parse(readFileSync(snap, 'utf8'));
  const doors = snapshot.doors?.status === 'ok' ? snapshot.doors.data.doors : [];
  const byKind = (k) => doors.filter((d) => d.kind === k).length;
  if (byKind('nginx') !== NGINX_SITES || byKind('caddy') !== CADDY_SITES) {
    console.error(`bench: the lab's doors were not all read (nginx ${byKind('nginx')}/${NGINX_SITES}, caddy ${byKind('caddy')}/${CADDY_SITES})`);
    console.error(JSON.stringify(snapshot.doors?.data?.problems ?? snapshot.doors, null, 1).slice(0, 2000));
    throw new Error('lab not read');
  }

  const inNs = (ns, cmd) => `ip netns exec ${ns} ${cmd}`;
  const audit = `${process.execPath} ${cli} audit --format json --fail-on none`;
  if (keep) {
    // The lab stays until SIGINT or SIGTERM, then is taken down as after a run.
    console.log(`lab up (nginx pid ${nginxPid}, caddy pid ${caddyChild.pid}); run in it, e.g.:`);
    console.log(`  sudo env HOME=${home} NO_COLOR=1 ${inNs(lab, `${process.execPath} --cpu-prof ${cli} audit --format json --fail-on none`)}`);
    console.log(`  (without doors: ip netns exec ${empty} ...)  Ctrl-C to take it down.`);
    await new Promise((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  } else {
    const commands = [
      ['clawmoat audit (no doors)', inNs(empty, audit)],
      ['nginx -T (200 sites)', inNs(lab, `${nginx} -T ${nginxArgs.join(' ')}`)],
      [
        'caddy adapt (50 sites)',
        inNs(lab, `env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent XDG_DATA_HOME=/nonexistent ${caddy} adapt ${caddyArgs.join(' ')}`),
      ],
      ['clawmoat audit (nginx 200 sites + Caddy 50 sites)', inNs(lab, audit)],
    ];
    const exported = join(work, 'hyperfine.json');
    execFileSync(
      'hyperfine',
      ['--warmup', '2', '--runs', String(runs), '-i', '--export-json', exported, ...commands.flatMap(([name, cmd]) => ['-n', name, cmd])],
      { env, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    // CPU time (user + system, the command's and its children's) is the figure a loaded machine disturbs least.
    const results = JSON.parse(readFileSync(exported, 'utf8')).results.map((r) => ({
      name: r.command,
      median: r.median * 1000,
      min: r.min * 1000,
      cpu: (r.user + r.system) * 1000,
    }));
    const [bare, dumpNginx, dumpCaddy, withDoors] = results.map((r) => r.median);
    const budget = bare + dumpNginx + dumpCaddy;
    const ratio = withDoors / budget;
    const [cpuBare, cpuNginx, cpuCaddy, cpuDoors] = results.map((r) => r.cpu);
    const cpuRatio = cpuDoors / (cpuBare + cpuNginx + cpuCaddy);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    // Best runs: the least disturbed run of each (hyperfine runs one command after another, so the load shifts between them).
    const [minBare, minNginx, minCaddy, minDoors] = results.map((r) => r.min);
    const minRatio = minDoors / (minBare + minNginx + minCaddy);
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 10)} (${runs} runs each, 2 warm-up, one hyperfine run; medians). The lab namespace runs nginx with ${NGINX_SITES} generated sites (one file each, ${NGINX_SITES} doors) and Caddy with a Caddyfile of ${CADDY_SITES} sites (${CADDY_SITES} doors); the doors collector's own timing there (wall time, beside the other collectors running at once): ${snapshot.timings.doors} ms.`,
      '',
      '| command | median | best | CPU (user + system, mean) |',
      '|---|---:|---:|---:|',
      ...results.map((r) => `| \`${r.name}\` | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.cpu.toFixed(0)} ms |`),
      '',
      `Budget (audit without doors + nginx -T + caddy adapt): ${budget.toFixed(0)} ms. Audit with the doors: ${withDoors.toFixed(0)} ms, **${ratio.toFixed(2)}×** the budget (${ratio <= 1 ? 'within it' : 'over it'}); best runs **${minRatio.toFixed(2)}×**; in CPU time **${cpuRatio.toFixed(2)}×** (${cpuRatio <= 1 ? 'within it' : 'over it'}). Load average at the end: ${load}.`,
      '',
    ];
    writeFileSync(join(root, 'bench/results/doors.md'), lines.join('\n'));
    // Keep the README's block in step with the latest run.
    const readmePath = join(root, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const marked = /(<!-- bench:doors -->\n)[\s\S]*?(<!-- \/bench:doors -->)/;
    if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${lines.join('\n')}$2`));
    else console.warn('bench: README.md has no <!-- bench:doors --> markers; not updated');
    process.stdout.write(`\n${lines.join('\n')}`);
  }
} finally {
  if (caddyChild?.pid !== undefined) {
    try {
      process.kill(caddyChild.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  if (nginxPid) {
    try {
      process.kill(nginxPid, 'SIGQUIT');
    } catch {
      // Already gone.
    }
  }
  await new Promise((done) => setTimeout(done, 500));
  for (const ns of [empty, lab]) {
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true });
}
