import type { Check } from './types.js';

/** docs/checks.md, generated from the checks' own metadata so the docs live beside the code. */
export function renderCheckDocs(checks: readonly Check[]): string {
  const lines = [
    '# Checks',
    '',
    '<!-- Generated from src/checks/rules/*.ts by `npm run docs`; do not edit by hand. -->',
    '',
    "Every check has a stable id: scripts may depend on it (`clawmoat audit --json | jq '.findings[].id'`).",
    'A check reports `pass`, `fail`, `unknown` (it could not decide, and says why) or `skipped` (it does not apply).',
    'A check never passes on what was not read: when an input it rests on (listed under each check) was named or looked for but could not be read, parsed or fully seen, a `pass` or `skipped` becomes `unknown`, with the file, the line where known, and what to do.',
    "A finding's severity may be raised or lowered from the default below when the host makes it more or less serious (the text says when).",
    '',
    '| id | default severity | guide section | harden can fix |',
    '|---|---|---|---|',
    ...checks.map(
      (c) => `| [\`${c.meta.id}\`](#${c.meta.id.replace(/[^a-z0-9_-]/g, '')}) | ${c.meta.severity} | ${c.meta.guide} | ${c.meta.fixable ? 'yes' : 'no'} |`,
    ),
    '',
  ];
  for (const c of checks) {
    lines.push(`## ${c.meta.id}`, '', `**${c.meta.title}** — ${c.meta.severity}, guide section “${c.meta.guide}”.`, '', c.meta.docs, '');
    lines.push(`Rests on: ${c.meta.inputs.join(', ')}.`, '');
    lines.push('Fails for:', '', ...c.meta.examples.fails.map((x) => `- ${x}`), '');
    lines.push('Passes for:', '', ...c.meta.examples.passes.map((x) => `- ${x}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
