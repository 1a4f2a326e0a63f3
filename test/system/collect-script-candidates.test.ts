import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_READS, candidatesAwk, prefetchComponents } from '../../src/collect/script/generate.js';
import type { ProcessReads } from '../../src/collect/script/declare.js';
import { binary } from '../support/binaries.js';
import { requires } from '../support/prerequisites.js';
import { Scope, tempDir } from './lab/cleanup.js';

/**
 * The collection script finds every process pattern's candidates with one awk over the process
 * table's lines ("PID/cmdline:ARG", tr having made NULs newlines and newlines spaces), where it
 * ran `grep [-i] -E PATTERN` a pattern: the awk must pick what each grep picks, pid by pid, under
 * the host's awk (mawk on Debian) and busybox's (the awk of a host with only busybox).
 */

const PROCESSES: ProcessReads[] = ALL_READS.flatMap((r) => r.processes ?? []);
/** The script's own locale (it exports LC_ALL=C): bytes, never a UTF-8 decoding that calls a process title binary. */
const C_LOCALE = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };

/** A process table as the script's tr leaves it: the shapes that could make awk and grep part ways. */
const TABLE = [
  '1/cmdline:/sbin/init',
  '12/cmdline:/usr/sbin/sshd',
  '12/cmdline:-D',
  '13/cmdline:sshd: root@pts/0',
  '20/cmdline:OpenClaw-Gateway',
  '21/cmdline:/usr/bin/node',
  '21/cmdline:/home/u/.npm-global/lib/node_modules/CLAWDBOT/dist/index.js',
  '22/cmdline:node',
  '22/cmdline:--title=moltbot gateway with a space',
  '30/cmdline:nginx: master process /usr/sbin/nginx -g daemon on;',
  '31/cmdline:NGINX',
  '32/cmdline:/usr/bin/ssh -R 80:localhost:18789 serveo.net',
  '33/cmdline:caddy',
  '33/cmdline:run',
  '34/cmdline:/opt/traefik/traefik --configFile=/etc/traefik.toml',
  '35/cmdline:python3 -m http.server',
  '36/cmdline:cloudflared tunnel run',
  '37/cmdline:a:b:sshd in a later field',
  '38/cmdline:',
  '39/cmdline:\u00e9l\u00e8ve clawdis',
  '40/cmdline:an argument whose newline tr made a space sshd',
].join('\n');

/** The "PID/cmdline" of each line grep picks, each once, in order: the shell loop the awk replaced. */
function grepCandidates(argv: string, pattern: ProcessReads): string[] {
  const r = spawnSync(binary('grep'), [...(pattern.ignoreCase ? ['-i'] : []), '-E', pattern.pattern, argv], { encoding: 'latin1', env: C_LOCALE });
  const out: string[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const e = line.split(':')[0]!;
    if (out.at(-1) !== e) out.push(e);
  }
  return out;
}

function awkCandidates(awk: string[], argv: string): string[][] {
  const r = spawnSync(awk[0]!, [...awk.slice(1), candidatesAwk(PROCESSES), argv], { encoding: 'latin1', env: C_LOCALE });
  expect(r.status, r.stderr).toBe(0);
  const byPattern: string[][] = PROCESSES.map(() => []);
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [i, e] = line.split(' ');
    byPattern[Number(i)]!.push(e!);
  }
  return byPattern;
}

describe('the collection script: process candidates', () => {
  it('writes a plain pattern into the awk, and refuses one awk and grep could read apart', () => {
    expect(PROCESSES.length).toBeGreaterThan(0);
    expect(() => candidatesAwk([{ pattern: 'a.b|c', reads: [] }])).toThrow(/plain alternatives/);
    expect(() => candidatesAwk([{ pattern: 'x{2}', reads: [] }])).toThrow(/plain alternatives/);
  });

  it('stats each directory on the way to the declared files once', () => {
    expect(prefetchComponents(['/etc/ufw/ufw.conf', '/etc/ufw/user.rules', '/proc/net/ip_tables_names', '/etc/a b/c'])).toEqual([
      '/etc',
      '/etc/ufw',
      '/etc/ufw/ufw.conf',
      '/etc/ufw/user.rules',
    ]);
  });

  const scope = new Scope();
  afterAll(() => scope.dispose());

  /** The generated awk under AWK against grep, pattern by pattern, on the table above. */
  function agreesWithGrep(awk: string[]): void {
    const argv = join(tempDir(scope, 'candidates'), 'argv');
    writeFileSync(argv, `${TABLE}\n`, 'latin1');
    const want = PROCESSES.map((p) => grepCandidates(argv, p));
    expect(awkCandidates(awk, argv)).toEqual(want);
    // Not a degenerate table: every pattern picks some processes, none picks them all.
    for (const picked of want) expect(picked.length).toBeGreaterThan(0);
    for (const picked of want) expect(picked.length).toBeLessThan(20);
  }

  it("the host's awk picks, pattern by pattern, the processes grep -E picks", () => agreesWithGrep([binary('awk')]));

  const req = requires("busybox's awk", ['busybox']);
  describe.skipIf(req.skip)(req.name, req.options, () => {
    it('picks, pattern by pattern, the processes grep -E picks', () => agreesWithGrep([binary('busybox'), 'awk']));
  });
});
