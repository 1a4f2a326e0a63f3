import type { PacketFamily } from '../model.js';
import { CANONICAL_V4, ruleKeys, type RuleKeys } from '../pending-rules.js';
import { tokenize } from './tokenize.js';

/**
 * The index keys of a `-A CHAIN …` line read from its text, without parsing it: the
 * destination port of `-p tcp -m tcp --dport 443`, the address of `-d 10.96.0.1/32`.
 *
 * The simulator skips a rule whose keys a packet lacks, so a key given here must be one the
 * parsed rule really requires, or a packet would pass a rule that matches it. Only lines in
 * the plain shape kube-proxy, Docker and UFW write get keys: addresses, interfaces, one
 * `-p tcp|udp`, its own `-m tcp|udp`, `-m comment --comment`, one `--dport N`, and a target with the usual
 * target options. Anything else — a negation other than `! -i`/`! -o`, another module, a port
 * range, quoting where none is expected — gives undefined: the rule is then visited by every
 * packet, as a rule without keys is. The test checks these keys against the parsed rule's
 * over every corpus line.
 */

const PORT = /^\d{1,5}$/;

/** Target options that no match module knows, with their argument counts. */
const TARGET_OPTIONS: Readonly<Record<string, number>> = {
  '--to-destination': 1,
  '--to-source': 1,
  '--to-ports': 1,
  '--reject-with': 1,
  '--set-xmark': 1,
  '--set-mark': 1,
  '--log-prefix': 1,
  '--log-level': 1,
  '--random': 0,
  '--random-fully': 0,
  '--persistent': 0,
};

export function textKeys(line: string, family: PacketFamily): RuleKeys | undefined {
  const tok = tokenize(line);
  if (!tok.ok) return undefined;
  const t = tok.tokens;
  let protocol: string | undefined;
  let port: number | undefined;
  let daddr: string | undefined;
  let saddr: string | undefined;
  let sawDst = false;
  let sawSrc = false;
  let commentModule = false;
  // t[0] is -A, t[1] the chain (the caller only asks of lines in that plain form).
  let i = 2;
  while (i < t.length) {
    const option = t[i] as (typeof t)[number];
    const arg = t[i + 1];
    if (option.quoted || arg === undefined) return undefined;
    switch (option.text) {
      case '!':
        // Only an interface may be negated: it gives no key either way.
        if (arg.quoted || (arg.text !== '-i' && arg.text !== '-o')) return undefined;
        i++;
        continue;
      case '-i':
      case '-o':
        break;
      case '--comment':
        // Only the comment module's option takes exactly one argument; before `-m comment` the
        // parser gives an unknown option every token up to the next option, which may be none.
        if (!commentModule) return undefined;
        break;
      case '-s':
      case '-d': {
        if (arg.quoted || (option.text === '-d' ? sawDst : sawSrc)) return undefined;
        if (option.text === '-d') sawDst = true;
        else sawSrc = true;
        const host = family === 'ip' && arg.text.endsWith('/32') ? arg.text.slice(0, -3) : undefined;
        // Another prefix is a condition without a key; an IPv6 one is left to the parser.
        if (family !== 'ip' || (host !== undefined && !CANONICAL_V4.test(host))) return undefined;
        if (host !== undefined) {
          if (option.text === '-d') daddr = host;
          else saddr = host;
        }
        break;
      }
      case '-p':
        if (protocol !== undefined || arg.quoted || (arg.text !== 'tcp' && arg.text !== 'udp')) return undefined;
        protocol = arg.text;
        break;
      case '-m':
        if (arg.quoted) return undefined;
        if (arg.text === 'comment') {
          commentModule = true;
          break;
        }
        // The protocol's own module, after -p: --dport is then that protocol's.
        if (protocol === undefined || arg.text !== protocol) return undefined;
        break;
      case '--dport':
        if (protocol === undefined || port !== undefined || arg.quoted || !PORT.test(arg.text) || Number(arg.text) > 65535) return undefined;
        port = Number(arg.text);
        break;
      case '-j':
        if (arg.quoted || !targetOptionsOnly(t, i + 2)) return undefined;
        i = t.length;
        continue;
      default:
        return undefined;
    }
    i += 2;
  }
  return ruleKeys(port, daddr, saddr);
}

function targetOptionsOnly(t: readonly { text: string; quoted: boolean }[], from: number): boolean {
  for (let i = from; i < t.length;) {
    const option = t[i] as { text: string; quoted: boolean };
    const n = option.quoted ? undefined : TARGET_OPTIONS[option.text];
    if (n === undefined || !Object.hasOwn(TARGET_OPTIONS, option.text) || i + n >= t.length) return false;
    i += 1 + n;
  }
  return true;
}
