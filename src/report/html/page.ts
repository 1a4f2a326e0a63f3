import { createHash } from 'node:crypto';
import { SCRIPT, STYLE } from './assets.js';
import { html, trusted, type Html } from './escape.js';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The policy the page carries in a meta element: nothing may be fetched from anywhere (no font,
 * image, frame or connection, not even from the page's own directory), and only the page's own
 * style and script run, named by hash. `frame-ancestors` is left out: browsers ignore it in a meta
 * element and say so on the console.
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; base-uri 'none'; form-action 'none'`;

export interface PageParts {
  title: string;
  /** The header: title line and facts about the report. */
  header: Html;
  /** Links to the sections, in order. */
  toc: { id: string; label: string }[];
  main: Html;
  footer: Html;
}

/** One self-contained document: every byte it needs is in it. */
export function renderPage(parts: PageParts): string {
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="clawmoat">
<title>${parts.title}</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="top">
${parts.header}
<nav class="toc" aria-label="Sections"><ul>${parts.toc.map((t) => html`<li><a href="#${t.id}">${t.label}</a></li>`)}</ul></nav>
</header>
<main>
${parts.main}
</main>
<footer>${parts.footer}</footer>
<script>${trusted(SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}
