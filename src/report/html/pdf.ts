import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `--format pdf`: the HTML page printed by an installed Chromium (or Chrome) with
 * `--print-to-pdf`. clawmoat never downloads a browser: without one it says so.
 */

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** CLAWMOAT_CHROMIUM when it names an executable, else the first of the usual names on PATH (only absolute directories). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const named = env.CLAWMOAT_CHROMIUM;
  if (named) return isExecutableFile(named) ? { path: named } : { missing: `CLAWMOAT_CHROMIUM=${named} is not an executable file` };
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'));
  for (const name of NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (isExecutableFile(path)) return { path };
    }
  }
  return {
    missing: `--format pdf prints the HTML report with Chromium or Chrome, and none is installed (looked for ${NAMES.join(', ')}; CLAWMOAT_CHROMIUM names another): install one (Debian/Ubuntu: apt install chromium) or use --format html and print it from a browser`,
  };
}

/** The page printed to PDF by `chromium` in a private temporary profile; the directory is removed after. */
export async function htmlToPdf(page: string, chromium: string, timeoutMs = 90_000): Promise<{ pdf: Uint8Array } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'clawmoat-pdf-'));
  try {
    const input = join(dir, 'report.html');
    const output = join(dir, 'report.pdf');
    writeFileSync(input, page, { mode: 0o600 });
    const args = [
      '--headless=new',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      // Chromium refuses to start as root with its sandbox on.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${output}`,
      pathToFileURL(input).href,
    ];
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_CACHE_HOME: join(dir, 'cache'),
      LANG: 'C.UTF-8',
    };
    const outcome = await new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve) => {
      const child = spawn(chromium, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      let timedOut = false;
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 20_000) stderr += chunk.toString('utf8');
      });
      const timer = setTimeout(() => {
        timedOut = true;
        // Its own process group (detached): the browser and the helpers it started, by that group's id.
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, stderr: error.message, timedOut });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, timedOut });
      });
    });
    let pdf: Buffer | undefined;
    try {
      pdf = readFileSync(output);
    } catch {
      pdf = undefined;
    }
    if (pdf && pdf.subarray(0, 5).toString('latin1') === '%PDF-') return { pdf };
    if (outcome.timedOut) return { error: `${chromium} did not print the page within ${Math.round(timeoutMs / 1000)} s` };
    const why =
      outcome.stderr
        .split('\n')
        .filter((l) => l.trim() && !/dbus|Fontconfig/i.test(l))
        .slice(-1)[0] ?? `exit code ${outcome.code}`;
    return { error: `${chromium} did not print the page: ${why.trim()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
