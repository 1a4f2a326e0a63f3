import { execFile } from 'node:child_process';
import { SYSTEM_PATH } from './undo-commands.js';

/**
 * The kernel's filter table, put back the way it was before the plan's firewall commands.
 *
 * Undoing ufw's commands is not enough: `ufw disable` leaves ufw's primary chains and the
 * jumps to them in INPUT/FORWARD/OUTPUT, sets every built-in policy to ACCEPT (on a Docker
 * host FORWARD was DROP), and never flushes a chain its after.rules filled (DOCKER-USER
 * keeps the guide's DROP). So apply saves the filter tables before the first ufw command and
 * rollback, once the undo commands have run, restores the chains the plan touched (the
 * built-ins, ufw's own, and those its rule files fill) as they were saved, while every other
 * chain (Docker's DOCKER, DOCKER-ISOLATION-*, fail2ban's…) is kept as it is now: containers
 * started since keep their rules.
 */

export type Family = 4 | 6;

const BUILTIN = new Set(['INPUT', 'FORWARD', 'OUTPUT']);

interface FilterTable {
  /** Chain → policy (`-` for a user chain), in the order iptables-save listed them. */
  chains: Map<string, string>;
  /** Chain → its rules, as `-A CHAIN …` lines, in order. */
  rules: Map<string, string[]>;
}

/** The `*filter` section of an iptables-save dump, or undefined when the dump has none. */
export function parseFilterTable(save: string): FilterTable | undefined {
  const lines = save.split('\n');
  const start = lines.findIndex((l) => l.trim() === '*filter');
  if (start < 0) return undefined;
  const table: FilterTable = { chains: new Map(), rules: new Map() };
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (line === 'COMMIT') break;
    const chain = /^:(\S+)\s+(\S+)/.exec(line);
    if (chain) {
      table.chains.set(chain[1]!, chain[2]!);
      table.rules.set(chain[1]!, []);
      continue;
    }
    const rule = /^-A\s+(\S+)\s/.exec(line);
    if (rule) table.rules.get(rule[1]!)?.push(line);
  }
  return table;
}

/** Chains the plan's firewall steps own: the built-ins, ufw's (ufw-…, ufw6-…), and the ones its rule files fill. */
export function ownedChain(name: string, extra: readonly string[]): boolean {
  return BUILTIN.has(name) || /^ufw6?-/.test(name) || extra.includes(name);
}

/** The chains a rule jumps or goes to. */
function targets(rule: string): string[] {
  return [...rule.matchAll(/\s-[jg]\s+(\S+)/g)].map((m) => m[1]!);
}

/** The chains that `*filter … :NAME …` sections of a ufw rules file (after.rules) declare, built-ins and ufw's own left out. */
export function chainsDeclared(rulesFile: string): string[] {
  const out: string[] = [];
  let inFilter = false;
  for (const raw of rulesFile.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inFilter = line === '*filter';
    else if (line === 'COMMIT') inFilter = false;
    const m = inFilter ? /^:(\S+)\s/.exec(line) : null;
    if (m && !ownedChain(m[1]!, []) && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/**
 * The iptables-restore input that puts the owned chains of `now`'s filter table back as
 * `before` had them and keeps every other chain as `now` has it. Undefined when there is
 * nothing to restore (no filter table now).
 */
export function restoreScript(before: string, now: string, extraChains: readonly string[]): string | undefined {
  const was = parseFilterTable(before) ?? { chains: new Map(), rules: new Map() };
  const is = parseFilterTable(now);
  if (!is) return undefined;
  const owned = (name: string) => ownedChain(name, extraChains);
  const chains = new Map<string, string>();
  const rules = new Map<string, string[]>();
  const take = (name: string, from: FilterTable) => {
    chains.set(name, from.chains.get(name)!);
    rules.set(name, from.rules.get(name) ?? []);
  };
  for (const name of BUILTIN) {
    if (was.chains.has(name)) take(name, was);
    else {
      chains.set(name, 'ACCEPT');
      rules.set(name, []);
    }
  }
  for (const name of is.chains.keys()) if (!chains.has(name) && (!owned(name) || was.chains.has(name))) take(name, owned(name) ? was : is);
  for (const name of was.chains.keys()) if (!chains.has(name) && owned(name)) take(name, was);
  // A rule restored from before may jump to a chain that is gone now: bring it back as it was.
  for (let added = true; added;) {
    added = false;
    for (const list of [...rules.values()]) {
      for (const target of list.flatMap(targets)) {
        if (!chains.has(target) && was.chains.has(target)) {
          take(target, was);
          added = true;
        }
      }
    }
  }
  const out = ['*filter'];
  for (const [name, policy] of chains) out.push(`:${name} ${policy} [0:0]`);
  for (const list of rules.values()) out.push(...list);
  out.push('COMMIT', '');
  return out.join('\n');
}

/** Reads and restores one family's tables; the rollback tests put a fake in its place. */
export interface NetfilterIo {
  save(family: Family): Promise<string>;
  restore(family: Family, text: string): Promise<void>;
}

function exec(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      // Root saves and restores the tables: iptables-save/-restore from the system's directories, never the caller's PATH.
      { env: { PATH: SYSTEM_PATH, LC_ALL: 'C' }, timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${String(stderr).trim().split('\n').pop() || error.message}`));
        else resolve(String(stdout));
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export const systemNetfilter: NetfilterIo = {
  save: (family) => exec(family === 4 ? 'iptables-save' : 'ip6tables-save', []),
  restore: async (family, text) => {
    await exec(family === 4 ? 'iptables-restore' : 'ip6tables-restore', ['-w', '5'], text);
  },
};
