/**
 * Give one Caddyfile site block a `bind` directive (Caddy's documented way to listen on some
 * addresses only: caddyserver.com/docs/caddyfile/directives/bind), in place: a new line at the
 * top of the block, indented like its neighbours, or the address list of a `bind` already
 * there replaced. Which block: the one holding the line the door's provenance names (its
 * `reverse_proxy`). Blocks a word swap could get wrong are refused with why: the global
 * options block, a snippet `(name)` other sites import, a single-site file without braces.
 */

interface Block {
  /** 0-based line of the header (`example.com, :443 {`). */
  header: number;
  text: string;
  /** 0-based line of its closing `}`. */
  end: number;
}

/**
 * Top-level blocks, line by line as the Caddyfile writes them: a block opens with a `{` that ends
 * its line and closes with a `}` on a line of its own (placeholders such as `{host}` are words).
 */
function topBlocks(lines: readonly string[]): Block[] | { error: string } {
  const blocks: Block[] = [];
  let depth = 0;
  let open: Block | undefined;
  for (const [i, raw] of lines.entries()) {
    const code = raw.replace(/(^|\s)#.*$/, '').trim();
    if (code.includes('`')) return { error: `line ${i + 1}: backquoted tokens are not rewritten by clawmoat` };
    if (code === '}') {
      depth--;
      if (depth < 0) return { error: `line ${i + 1}: unbalanced "}"` };
      if (depth === 0 && open) {
        open.end = i;
        blocks.push(open);
        open = undefined;
      }
    } else if (code === '{' || /\s\{$/.test(code)) {
      if (depth === 0) open = { header: i, text: code.slice(0, -1).trim(), end: -1 };
      depth++;
    }
  }
  if (depth !== 0) return { error: 'unbalanced braces' };
  return blocks;
}

/** `address` for `bind`: IPv6 in brackets is accepted by Caddy as is. */
export function bindCaddySite(text: string, line: number, addresses: readonly string[]): { text: string; site: string; at: number } | { error: string } {
  const lines = text.split('\n');
  const blocks = topBlocks(lines);
  if ('error' in blocks) return blocks;
  const index = line - 1;
  const block = blocks.find((b) => b.header < index && index < b.end);
  if (!block) return { error: `line ${line} is not inside a site block with braces (a single-site Caddyfile without braces: add \`bind\` by hand)` };
  if (block.text === '') return { error: `line ${line} is in the global options block, not a site` };
  if (block.text.startsWith('(')) return { error: `line ${line} is in the snippet ${block.text}, which other sites import: add \`bind\` where it is imported` };
  const inner = lines.slice(block.header + 1, block.end);
  const bindLine = inner.findIndex((l) => /^\s*bind(\s|$)/.test(l));
  const indent = /^(\s*)/.exec(inner.find((l) => l.trim() !== '') ?? '\t')![1] || '\t';
  const directive = `bind ${addresses.join(' ')}`;
  if (bindLine >= 0) {
    const at = block.header + 1 + bindLine;
    const old = lines[at]!;
    lines[at] = old.replace(/^(\s*)bind\b[^#]*?(\s*(#.*)?)$/, (_m, lead: string, tail: string) => `${lead}${directive}${tail}`);
    return { text: lines.join('\n'), site: block.text, at: at + 1 };
  }
  lines.splice(block.header + 1, 0, `${indent}${directive}`);
  return { text: lines.join('\n'), site: block.text, at: block.header + 2 };
}
