import { nginxOptions, PLAIN_PATH } from '../nginx-options.js';
import { NFT_UNDO_ARGV, NFT_UNIT } from '../plan/docker-nft.js';

/**
 * The only commands a rollback runs as root. A journal is data, not a script: even one
 * planted in the state directory, or damaged, cannot make rollback run anything else.
 * Each undo is one of the forms harden's planners write, with arguments checked word by word.
 */

const UFW_VERBS = new Set(['allow', 'deny', 'reject', 'limit']);
/** A ufw rule's words: ports, protocols, addresses, interface names, keywords. No options. */
const UFW_WORD = /^[A-Za-z0-9][A-Za-z0-9_.:/,@-]*$/;
const POLICY = new Set(['allow', 'deny', 'reject']);
const DIRECTION = new Set(['incoming', 'outgoing', 'routed']);

function ufwRule(words: string[]): boolean {
  return words.length > 0 && UFW_VERBS.has(words[0]!) && words.every((w) => UFW_WORD.test(w));
}

const UNIT = /^[A-Za-z0-9@_.:-]+\.service$/;

/** `nginx -s reload [-p P] [-e E] [-c C] [-g G]`: the reload of a proxy whose config a door step restored. */
function nginxReload(args: string[]): boolean {
  return args[0] === '-s' && args[1] === 'reload' && !('error' in nginxOptions(args.slice(2)));
}

/** `caddy reload --config ABS --adapter caddyfile|json`. */
function caddyReload(args: string[]): boolean {
  return (
    args.length === 5 &&
    args[0] === 'reload' &&
    args[1] === '--config' &&
    PLAIN_PATH.test(args[2]!) &&
    args[3] === '--adapter' &&
    (args[4] === 'caddyfile' || args[4] === 'json')
  );
}

/** Why this undo command may not run, or undefined when it is one harden writes. */
export function undoRefusal(argv: readonly string[]): string | undefined {
  const [program, ...args] = argv;
  const ok = (() => {
    if (program === 'ufw') {
      if (args.length === 1 && args[0] === 'reload') return true;
      if (args.length === 2 && args[0] === '--force' && args[1] === 'disable') return true;
      if (args.length === 3 && args[0] === 'default' && POLICY.has(args[1]!) && DIRECTION.has(args[2]!)) return true;
      if (args[0] === 'delete') return ufwRule(args.slice(1));
      return ufwRule(args);
    }
    if (program === 'nft') return args.length === 1 && args[0] === NFT_UNDO_ARGV[1];
    if (program === 'systemctl' && (args[0] === 'reload' || args[0] === 'restart')) return args.length === 2 && UNIT.test(args[1]!);
    if (program === 'systemctl') return args.length === 2 && args[0] === 'disable' && args[1] === NFT_UNIT;
    if (program === 'nginx') return nginxReload(args);
    if (program === 'caddy') return caddyReload(args);
    return false;
  })();
  return ok ? undefined : `${JSON.stringify(argv)} is not a command clawmoat harden writes as an undo`;
}

/** Where the programs of undo commands are looked up: never the caller's PATH. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
