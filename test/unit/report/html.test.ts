import { describe, expect, it } from 'vitest';
import { escapeText, html, trusted } from '../../../src/report/html/escape.js';
import { keptPaths, matrixRows, MAX_PATHS } from '../../../src/report/html/matrix.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/report/html/page.js';
import { buildContext } from '../../../src/model/context.js';
import { GUIDE_ORDER } from '../../../src/report/common.js';
import { auditPage, bigHost, emptyHost, HOSTILE, hostileHost, noGatewayHost, reachPage, sampleProbe, typicalHost } from './html-fixtures.js';

/** Tags a page may contain: its own, nothing a host's strings could add. */
function tagsOf(page: string): Set<string> {
  return new Set([...page.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase()));
}

describe('escaping', () => {
  it('escapes every interpolation unless it is markup made by the module', () => {
    expect(html`<td>${'<b>"x" & \'y\'</b>'}</td>`.value).toBe('<td>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</td>');
    expect(html`<td>${trusted('<b>x</b>')}</td>`.value).toBe('<td><b>x</b></td>');
    expect(html`${['<a>', html`<i>ok</i>`]}${undefined}${null}${false}${0}`.value).toBe('&lt;a&gt;<i>ok</i>0');
  });

  it('shows control characters and bidirectional overrides instead of passing them on', () => {
    expect(escapeText('a\u001b[31mb')).toBe('a\\u001b[31mb');
    expect(escapeText('evil\u202etxt.exe')).toBe('evil\\u202etxt.exe');
    expect(escapeText('line\r\nnext\ttab')).toBe('line\nnext\ttab');
  });
});

describe('the audit page', () => {
  const page = auditPage(typicalHost(), sampleProbe());

  it('is one self-contained document: a CSP that forbids every outside request, no external reference', () => {
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('http-equiv="Content-Security-Policy"');
    expect(CONTENT_SECURITY_POLICY).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'; base-uri 'none'; form-action 'none'$/,
    );
    expect(page).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/|data:)/i);
    expect(page).not.toMatch(/@import|url\(/i);
    expect(page.match(/<script\b/g)).toHaveLength(1);
    expect(page.match(/<style\b/g)).toHaveLength(1);
  });

  it('stays well under 1 MB for a typical host', () => {
    expect(Buffer.byteLength(page)).toBeLessThan(200_000);
  });

  it('answers who can reach the gateway, and lists the gateway row first', () => {
    expect(page).toContain('The gateway is reachable from lan:eth1 (lan on eth1).');
    const firstRow = /<tbody>\n<tr([^>]*)><th scope="row"><code>([^<]*)<\/code>/.exec(page);
    expect(firstRow?.[1]).toBe(' class="gw"');
    expect(firstRow?.[2]).toBe('tcp 0.0.0.0:18789');
  });

  it('marks every verdict with a shape and a word, and every cell links to its path', () => {
    for (const [verdict, mark] of [
      ['open', '▲'],
      ['filtered', '■'],
      ['closed', '○'],
    ] as const) {
      expect(page).toMatch(new RegExp(`<a class="cell v v-${verdict}" href="#p\\d+"><span aria-hidden="true">${mark} </span>${verdict}</a>`));
    }
    const targets = [...page.matchAll(/<a class="cell[^"]*" href="#(p\d+)"/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(40);
    for (const id of targets) expect(page).toContain(`id="${id}"`);
  });

  it('gives each path rule by rule, with the dump and line of each rule', () => {
    expect(page).toContain('input · ip filter ufw-user-input · rule 1 · iptables-save line 14</span> <strong>accept</strong>');
  });

  it('lists the checks in the guide order, results told apart by mark and word', () => {
    const positions = GUIDE_ORDER.map((g) => page.indexOf(`>${g.replace(/&/g, '&amp;')}</h3>`)).filter((i) => i >= 0);
    expect(positions.length).toBeGreaterThanOrEqual(3);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const [r, mark] of [
      ['pass', '✔'],
      ['fail', '✖'],
      ['skipped', '–'],
    ])
      expect(page).toContain(`<span class="result r-${r}"><span aria-hidden="true">${mark} </span>${r}</span>`);
  });

  it('gives each finding its evidence and its fix, ready to copy, saying which harden can apply', () => {
    expect(page).toContain(
      '<div class="cmd"><pre><code>sudo sshd -t &amp;&amp; sudo systemctl reload ssh</code></pre><button type="button" class="copy">Copy</button></div>',
    );
    expect(page).toContain('clawmoat harden can apply this');
    expect(page).toContain('by hand');
    expect(page).toMatch(/at <code>\/home\/u\/\.openclaw\/openclaw\.json:3:3<\/code>/);
  });

  it('shows the probe: observed against predicted, mismatches, fingerprints, vantage points that failed', () => {
    expect(page).toContain('<strong class="r-fail">1 disagree with the reach model</strong>');
    expect(page).toContain('OpenClaw 2026.9.6, protocol 3, auth <strong>enforced</strong>');
    expect(page).toContain('GET / → &lt;title&gt;OpenClaw Control&lt;/title&gt;');
    expect(page).toContain('ssh asked for a password');
  });

  it('names the door a probed port answered through: the proxy, its directive with file and line, the upstream', () => {
    const probe = sampleProbe();
    const through = probe.results[0]!;
    probe.results = [
      {
        ...through,
        port: 443,
        listener: { address: '0.0.0.0', process: 'nginx', gateway: true },
        door: {
          kind: 'nginx',
          name: 'nginx',
          via: 'proxy_pass http://127.0.0.1:18789',
          location: { file: '/etc/nginx/sites-enabled/openclaw', line: 5 },
          upstream: '127.0.0.1:18789',
          gateway: true,
          tls: true,
        },
      },
    ];
    const withDoor = auditPage(typicalHost(), probe);
    expect(withDoor).toContain(
      'through nginx (/etc/nginx/sites-enabled/openclaw:5), over TLS: <code>proxy_pass http://127.0.0.1:18789</code> → <code>127.0.0.1:18789</code>, which leads to the gateway',
    );
    expect(page).not.toContain('through nginx');
  });

  it('says where it came from: host, time, tool versions, source', () => {
    expect(page).toContain('<strong>gw</strong>');
    expect(page).toContain('2026-11-24T15:02:11.000Z');
    expect(page).toContain('collected by clawmoat 0.1.0; rendered by clawmoat 0.1.0 at 2026-11-24T16:00:00.000Z');
    expect(page).toContain('snapshot file host.json');
  });
});

describe('hostile strings', () => {
  const pages = [auditPage(hostileHost()), reachPage(hostileHost())];

  it('render as text: no markup of theirs survives', () => {
    for (const page of pages) {
      for (const value of Object.values(HOSTILE)) expect(page).not.toContain(value);
      expect(tagsOf(page)).not.toContain('svg');
      expect(tagsOf(page)).not.toContain('img');
      expect(page.match(/<script\b/g)).toHaveLength(1);
      expect(page).not.toMatch(/<[^>]+\son(load|error)=/i);
    }
    expect(pages[0]).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(pages[0]).toContain('&lt;/code&gt;&lt;/li&gt;&lt;/ol&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });
});

describe('bad input renders a clear statement', () => {
  it('a host with no gateway', () => {
    const page = auditPage(noGatewayHost());
    expect(page).toContain('No OpenClaw gateway was found on this host');
    expect(page).toContain('tcp 0.0.0.0:22');
  });

  it('an empty matrix', () => {
    const page = reachPage(emptyHost());
    expect(page).toContain('The matrix is empty: no listening socket was found on this host');
    expect(page).not.toContain('<table class="matrix">');
  });

  it('an unreadable ruleset and sockets say why', () => {
    const s = emptyHost();
    const page = auditPage({ ...s, sockets: { status: 'unavailable', reason: 'permission-denied', detail: 'ss: permission denied' } });
    expect(page).toContain('sockets could not be read: ss: permission denied');
  });
});

describe('thousands of listeners', () => {
  const snapshot = bigHost(3000);
  const matrix = buildContext(snapshot).reach();

  it('keeps the gateway rows first and the page within a few MB, holding at most MAX_PATHS paths', () => {
    const rows = matrixRows(matrix.cells);
    expect(rows[0]!.listener.gateway).toBe(true);
    const kept = keptPaths(matrix.cells);
    expect(kept.size).toBe(MAX_PATHS);
    for (const [i, c] of matrix.cells.entries()) if (c.listener.gateway) expect(kept.has(i)).toBe(true);
    const started = performance.now();
    const page = auditPage(snapshot);
    const ms = performance.now() - started;
    expect(Buffer.byteLength(page)).toBeLessThan(6_000_000);
    expect(page).toContain(`This page holds ${MAX_PATHS} of the ${matrix.cells.length} paths`);
    expect(page.match(/href="#paths-left-out"/g)?.length).toBe(matrix.cells.length - MAX_PATHS);
    expect(ms).toBeLessThan(15_000);
  });
});
