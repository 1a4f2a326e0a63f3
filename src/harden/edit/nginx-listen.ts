import { nginxListen } from '../../collect/doors/nginx.js';
import { hostPort, isWildcard, parseAddress } from '../../model/addresses.js';

/**
 * Move nginx `listen` directives to another address, in place: only the address word of each
 * named directive changes (`listen 443 ssl;` → `listen 127.0.0.1:443 ssl;`, `[::]:443` →
 * `[::1]:443`), so comments, parameters and layout stay as written and the diff is one line
 * per listener. A directive that is not where the door's provenance says, or that is written in
 * a way a word swap could get wrong (quotes, variables, a unix socket), is refused with why.
 */

export interface ListenMove {
  /** 1-based line of the `listen` directive (from nginx -T's provenance). */
  line: number;
  /** What it binds now, as the collector read it. */
  address: string;
  port: number;
}

function same(a: string, b: string): boolean {
  if (isWildcard(a) || isWildcard(b)) return isWildcard(a) && isWildcard(b) && a.includes(':') === b.includes(':');
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  return pa !== undefined && pb !== undefined && pa.toString() === pb.toString();
}

/** `to.v4` for an IPv4 (or bare-port) listen, `to.v6` for an IPv6 one. */
export function moveNginxListens(text: string, moves: readonly ListenMove[], to: { v4: string; v6: string }): { text: string } | { error: string } {
  const lines = text.split('\n');
  for (const move of moves) {
    const index = move.line - 1;
    const line = lines[index];
    if (line === undefined) return { error: `line ${move.line} is past the end of the file` };
    // Comments are not directives: look only before a `#`.
    const code = line.replace(/#.*$/, '');
    const candidates = [...code.matchAll(/(^|[\s;{}])listen(\s+)([^\s;{}#]+)/g)];
    const hit = candidates.find((m) => {
      const parsed = nginxListen(m[3]!);
      return parsed !== undefined && parsed.port === move.port && same(parsed.address, move.address);
    });
    if (!hit) {
      const why = candidates.length === 0 ? 'no `listen` directive there' : `\`${code.trim()}\` does not listen on ${hostPort(move.address, move.port)}`;
      return { error: `line ${move.line}: ${why} (the config changed since it was read, or the directive spans lines)` };
    }
    const word = hit[3]!;
    if (/["'$]/.test(word) || word.startsWith('unix:')) return { error: `line ${move.line}: listen ${word} is not a plain address clawmoat rewrites` };
    const v6 = word.startsWith('[') || (move.address.includes(':') && !isWildcard(move.address)) || move.address === '::';
    const replacement = hostPort(v6 ? to.v6 : to.v4, move.port);
    const start = hit.index + hit[1]!.length + 'listen'.length + hit[2]!.length;
    lines[index] = line.slice(0, start) + replacement + line.slice(start + word.length);
  }
  return { text: lines.join('\n') };
}
