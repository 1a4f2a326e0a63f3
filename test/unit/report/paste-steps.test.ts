import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditSnapshot } from '../../../src/audit.js';
import { listenerAdvice, tunnelAdvice } from '../../../src/checks/door-advice.js';
import { restartHint } from '../../../src/checks/remediation.js';
import type { GatewayModel } from '../../../src/model/gateway.js';
import { shellWord } from '../../../src/model/shell-word.js';
import { checklistSection } from '../../../src/report/html/checklist.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderText } from '../../../src/report/text.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { baselineSnapshot } from '../../fixtures/builders/snapshot.js';
import { nginxDoor } from '../checks/cases/doors-fixtures.js';

/**
 * Review 2, finding 7: fix steps are offered to paste (HTML Copy, Markdown `sh` fences, the text
 * report), usually by root, and they carry the gateway user's config path. Each step line is run
 * here by a real shell (dash), the way a paste would run it, with an empty PATH (so only shell
 * builtins exist: nothing a step names can touch this machine) in a temp dir. The hostile names
 * write a marker file with a redirection when the shell expands them.
 */

/** Found before PATH is emptied for the pasted line. */
const DASH = execFileSync('sh', ['-c', 'command -v dash']).toString().trim();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clawmoat-paste-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Paste one line into dash as a user would; returns the files it left in the temp dir. */
function paste(line: string): string[] {
  try {
    execFileSync(DASH, ['-c', line], { cwd: dir, env: { PATH: '/nonexistent', EDITOR: 'true', HOME: dir }, stdio: 'ignore', timeout: 5000 });
  } catch {
    // "command not found" for prose steps is expected; only what the line did matters.
  }
  return readdirSync(dir);
}

function withBadConfig(file: string): Snapshot {
  const s = baselineSnapshot();
  s.openclaw.config = {
    status: 'invalid',
    path: file,
    resolvedBy: 'env',
    error: { file, line: 2, column: 7, message: "invalid character 'o'" },
  } as Snapshot['openclaw']['config'];
  return s;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every line offered as a step, in each format that offers them. */
function offeredLines(snapshot: Snapshot): { format: string; line: string }[] {
  const report = auditSnapshot(snapshot);
  const out: { format: string; line: string }[] = [];
  for (const line of renderText(report, { color: false }).split('\n')) if (/^ {10}\S/.test(line)) out.push({ format: 'text', line: line.trim() });
  const md = renderMarkdown(report);
  for (const block of md.matchAll(/^(`{3,})sh\n([\s\S]*?)\n\1$/gm)) for (const line of block[2]!.split('\n')) out.push({ format: 'markdown', line });
  for (const m of checklistSection(report).value.matchAll(/<div class="cmd"><pre><code>([\s\S]*?)<\/code><\/pre>/g))
    for (const line of decodeEntities(m[1]!).split('\n')) out.push({ format: 'html', line });
  return out;
}

describe('fix steps pasted into a shell (review 2, finding 7)', () => {
  it('the harness sees an injection: a raw hostile path run as a step writes the marker', () => {
    expect(paste(`true /tmp/cfg$(echo >PWNED).json +2`)).toContain('PWNED');
  });

  it('a config path holding $(…) is one quoted word in every format: pasting the steps runs nothing of it', () => {
    const lines = offeredLines(withBadConfig('/home/u/cfg$(echo >PWNED)`echo >PWNED2`;echo >PWNED3.json'));
    const edits = lines.filter((l) => l.line.startsWith('$EDITOR'));
    expect(edits.map((l) => l.format).sort()).toEqual(['html', 'markdown', 'text']);
    expect(edits[0]!.line).toBe(`$EDITOR '/home/u/cfg$(echo >PWNED)\`echo >PWNED2\`;echo >PWNED3.json' +2`);
    for (const { line } of lines) expect(paste(line), line).toEqual([]);
  });

  it('a config path holding a newline never goes into a step: no line of any format is the injected command', () => {
    const lines = offeredLines(withBadConfig('/home/u/x\necho >PWNED\n.json'));
    expect(lines.some((l) => l.line.includes('named in the evidence'))).toBe(true);
    expect(lines.some((l) => l.line.startsWith('$EDITOR'))).toBe(false);
    for (const { line } of lines) {
      expect(line).not.toMatch(/^echo/);
      expect(paste(line), line).toEqual([]);
    }
  });

  it("a user unit's hostile file name is quoted in the restart step, and left out when it holds a newline", () => {
    const gateway = (path: string) => ({ units: [{ path, scope: 'user', content: '' }], processes: [] }) as unknown as GatewayModel;
    const hint = restartHint(gateway('/home/u/.config/systemd/user/gw$(echo >PWNED).service'));
    expect(hint).toBe(`restart the gateway: systemctl --user restart 'gw$(echo >PWNED).service'`);
    expect(paste(hint)).toEqual([]);
    expect(restartHint(gateway('/home/u/.config/systemd/user/gw\necho >PWNED\n.service'))).not.toContain('echo');
  });
});

describe('shellWord', () => {
  it('leaves a plain path bare, quotes anything else so the shell reads it back unchanged, refuses control characters', () => {
    expect(shellWord('/home/u/.openclaw/openclaw.json')).toBe('/home/u/.openclaw/openclaw.json');
    for (const value of ["it's $(x) `y` ;&|<>*?~ {a,b} \\ !", '', ' lead', '-n']) {
      const word = shellWord(value)!;
      expect(execFileSync(DASH, ['-c', `printf %s ${word}`], { env: { PATH: '/nonexistent' } }).toString()).toBe(value);
    }
    for (const bad of ['a\nb', 'a\rb', 'a\u001b[2Jb', 'a\u202eb', 'a\u2028b', 'a\u0085b']) expect(shellWord(bad)).toBeUndefined();
  });
});

describe("a door's file in its fix step (review 2, finding 7)", () => {
  it('a tunnel config or proxy site at a hostile path is one quoted word; pasting the step runs nothing of it', () => {
    const file = '/home/u/.cloudflared/c$(echo >PWNED).yml';
    const tunnel = nginxDoor(443, {
      kind: 'cloudflared',
      listen: [],
      location: { file, line: 3 },
      remote: { url: 'https://gw$(echo >PWNED2).example.com' },
    } as never);
    const steps = tunnelAdvice(tunnel).steps;
    expect(steps.join('\n')).toContain(`'${file}'`);
    for (const step of steps) expect(paste(step), step).toEqual([]);
    const proxy = nginxDoor(443, { listen: [{ address: '0.0.0.0', port: 443, location: { file: '/srv/u/site$(echo >PWNED3)', line: 2 } }] });
    const line = listenerAdvice(proxy, proxy.listen!, '127.0.0.1');
    expect(line).toContain(`'/srv/u/site$(echo >PWNED3):2'`);
    expect(paste(line)).toEqual([]);
  });
});
