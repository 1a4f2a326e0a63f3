import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { capability } from '../support/prerequisites.js';
import { REPO } from '../support/cli-bundle.js';
import { hold, release, type Resource, type Scope, tempDir } from './lab/cleanup.js';
import { Netns } from './lab/netns.js';
import { startTimeOf } from './lab/proc.js';

/**
 * Headless Chromium (Debian's /usr/bin/chromium, never a downloaded one) driven by playwright-core,
 * run inside a network namespace of the test's own that has only loopback: a page that tried to
 * fetch anything could not reach it, and the request log shows it tried.
 */

export const CHROMIUM = process.env.CLAWMOAT_CHROMIUM ?? '/usr/bin/chromium';
const require = createRequire(import.meta.url);

/** Why the browser tests cannot run here, or undefined. */
export function browserMissing(): string | undefined {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (for the network namespace)');
  missing.push(...capability('netns').missing);
  if (!existsSync(CHROMIUM)) missing.push(`chromium (apt-get install chromium; or CLAWMOAT_CHROMIUM)`);
  for (const pkg of ['playwright-core', 'axe-core']) {
    try {
      require.resolve(pkg);
    } catch {
      missing.push(`${pkg} (npm install)`);
    }
  }
  return missing.length > 0 ? `missing: ${missing.join(', ')}` : undefined;
}

/** Screenshots are kept here for people to look at (git-ignored). */
export function artifactsDir(): string {
  const dir = join(REPO, 'test/artifacts/html');
  mkdirSync(dir, { recursive: true });
  const ignore = join(REPO, 'test/artifacts/.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  return dir;
}

export async function launchBrowser(scope: Scope): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const ns = await Netns.create(scope, 'html');
  const dir = tempDir(scope, 'chromium');
  const wrapper = join(dir, 'chromium-in-netns');
  // The wrapper's pid is the browser's (exec all the way): recorded, so a crashed test's browser is ended by PID.
  const pidFile = join(dir, 'chromium.pid');
  writeFileSync(wrapper, `#!/bin/sh\necho $$ > ${pidFile}\nexec ip netns exec ${ns.name} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await chromium.launch({
    executablePath: wrapper,
    headless: true,
    args: ['--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') },
    timeout: 60_000,
  });
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  const resource: Resource | undefined = pid !== undefined ? { kind: 'process', pid, startTime: startTimeOf(pid), label: 'chromium' } : undefined;
  if (resource) hold(resource);
  scope.defer('chromium', async () => {
    await browser.close();
    if (resource) release(resource);
  });
  return browser;
}

export interface OpenPage {
  page: Page;
  /** Console errors, page errors, CSP violations, dialogs: any of them fails a test. */
  problems: string[];
  /** Every request the page made, the document itself included. */
  requests: string[];
  close(): Promise<void>;
}

export async function openPage(browser: Browser, file: string, width: number): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests, close: () => context.close() };
}

const AXE_SOURCE = (): string => readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (evaluated over the DevTools protocol: the page's CSP is left as it is). */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE());
  const results = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }> };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/** Pairs of label boxes that overlap: the matrix's cells and headers, and the checklist's heads. */
export async function overlappingLabels(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const boxes = [...document.querySelectorAll(sel)].map((el) => ({ el, r: el.getBoundingClientRect() })).filter(({ r }) => r.width > 0 && r.height > 0);
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (overlapX > 1 && overlapY > 1 && !boxes[i]!.el.contains(boxes[j]!.el) && !boxes[j]!.el.contains(boxes[i]!.el)) {
          out.push(`${boxes[i]!.el.textContent?.trim().slice(0, 40)} / ${boxes[j]!.el.textContent?.trim().slice(0, 40)}`);
        }
      }
    }
    // Text cut by its own box (a label wider than its cell) counts too.
    for (const { el } of boxes)
      if ((el as HTMLElement).scrollWidth > (el as HTMLElement).clientWidth + 1) out.push(`clipped: ${el.textContent?.trim().slice(0, 40)}`);
    return out;
  }, selector);
}
