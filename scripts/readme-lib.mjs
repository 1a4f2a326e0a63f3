// The README's generated parts, as pure functions: scripts/readme.mjs writes them, and
// test/unit/cli/readme.test.ts checks that the README holds what they produce now.

/** The snapshot the sample audits, and the command line the README shows. */
export const SAMPLE_SNAPSHOT = 'test/fixtures/readme/host.json';
export const SAMPLE_ARGS = ['audit', '--snapshot', SAMPLE_SNAPSHOT];

/** The checks table, from the catalogue's metadata (as docs/checks.md is). */
export function renderChecksTable(checks) {
  return [
    '| id | severity | passes when | harden fixes |',
    '|---|---|---|---|',
    ...checks.map(
      (c) =>
        `| [\`${c.meta.id}\`](docs/checks.md#${c.meta.id.replace(/[^a-z0-9_-]/g, '')}) | ${c.meta.severity} | ${c.meta.title} | ${c.meta.fixable ? 'yes' : 'no'} |`,
    ),
    '',
  ].join('\n');
}

/**
 * The sample: the audit's text output, cut to its head (the gateway and the first section)
 * and its summary, so the README stays readable.
 */
export function renderSample(output) {
  // Blocks are separated by blank lines: the header, one per guide section, the summary.
  const blocks = output.trimEnd().split(/\n\n+/);
  const shown = blocks.length > 3 ? [blocks[0], blocks[1], '…', blocks.at(-1)] : blocks;
  return ['```text', `$ clawmoat ${SAMPLE_ARGS.join(' ')}`, shown.join('\n\n'), '```', ''].join('\n');
}

/** Replace the text between `<!-- name -->` and `<!-- /name -->`. */
export function replaceMarked(text, name, body) {
  const marked = new RegExp(`(<!-- ${name} -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!marked.test(text)) throw new Error(`README.md has no <!-- ${name} --> … <!-- /${name} --> markers`);
  return text.replace(marked, (_m, open, close) => `${open}${body}${close}`);
}

/** The text between the markers. */
export function marked(text, name) {
  const match = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)<!-- /${name} -->`).exec(text);
  return match?.[1];
}
