import type { Chain, Rule } from './model.js';

/**
 * A chain whose rules a parser still holds as text. `chain.rules` parses them all; a reader
 * that needs only some (the simulator, which visits the rules a packet's destination port or
 * address can select) asks for them one at a time and skips the rest unparsed. A kube-proxy
 * or UFW chain of thousands of rules, one per service or port, is then mostly never parsed.
 */
export interface PendingRules {
  /** How many rules the chain has. */
  readonly count: number;
  /** Keys rule I cannot match without, read from its text; undefined when the text shows none for certain. */
  keys(i: number): RuleKeys | undefined;
  /** Rule I, parsed on first request (the same object `chain.rules[I]` later holds). */
  rule(i: number): Rule;
  /**
   * false when rule I surely has no DNAT/REDIRECT target that may land on the host (read from its
   * text, without parsing it): no such target, or a literal DNAT address that is not local.
   */
  mayTranslate?(i: number, isLocal: (address: string) => boolean): boolean;
  /**
   * false when rule I surely has no jump or goto to a chain (read from its text, without parsing
   * it): a walk of the chain graph then skips it unparsed.
   */
  mayJump?(i: number): boolean;
  /**
   * The address words of rule I (`-s`, `-d`, iprange and conntrack tuple addresses) and its origin,
   * read from its text without parsing it; undefined when only the parse can say (a set match, a
   * quoted or split line). What the reach model's address classes need from every rule of a
   * kube-proxy dump, most of which the simulator never parses.
   */
  addressWords?(i: number): HeldAddressWords | undefined;
}

export interface HeldAddressWords {
  /** The words of each address option (a conntrack tuple option may list several). */
  groups: string[][];
  /** `-j DROP` or `-j REJECT`, no negated address test, and no `recent` match (whose --set marks later packets). */
  closes: boolean;
  /** The rule's line as the dump has it, and where: for the explanation. */
  text: string;
  index: number;
  line: number;
}

/**
 * What a rule requires of every packet it matches, one kind per field: its destination port is
 * one of `ports`, its destination (source) address is one of `daddrs` (`saddrs`), as canonical
 * address text. A rule without such a key can still match any packet.
 */
export interface RuleKeys {
  ports?: number[];
  daddrs?: string[];
  saddrs?: string[];
}

/** The keys of one port, destination and source (each may be absent); undefined when none is. */
export function ruleKeys(port: number | undefined, daddr: string | undefined, saddr: string | undefined): RuleKeys | undefined {
  if (port === undefined && daddr === undefined && saddr === undefined) return undefined;
  const keys: RuleKeys = {};
  if (port !== undefined) keys.ports = [port];
  if (daddr !== undefined) keys.daddrs = [daddr];
  if (saddr !== undefined) keys.saddrs = [saddr];
  return keys;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** A dotted quad as the parsers store it and packets carry it (no leading zeros): a key's text. */
export const CANONICAL_V4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

const pending = new WeakMap<Chain, PendingRules>();

/** The chain's rules still held as text, or undefined when `chain.rules` is a plain array. */
export function pendingRulesOf(chain: Chain): PendingRules | undefined {
  return pending.get(chain);
}

/** Every rule of CHAIN, parsed now from what is held (none when nothing is); `rules` then becomes that plain array. */
function parseHeld(chain: Chain): Rule[] {
  const held = pending.get(chain);
  const all = new Array<Rule>(held ? held.count : 0);
  for (let i = 0; i < all.length; i++) all[i] = held!.rule(i);
  settle(chain, all);
  return all;
}

/**
 * The accessor of a held chain's `rules`, one pair for every chain: the getter and setter read
 * the chain from `this`. Defined on a new object it moves the object to a shape all held chains
 * share; an object literal with `get rules()` instead makes two closures and takes V8's slow path
 * each time (some 10k instructions a chain, most of a 30,000-chain kube-proxy dump's scan).
 */
const HELD_RULES: PropertyDescriptor & ThisType<Chain> = {
  get(this: Chain): Rule[] {
    return parseHeld(this);
  },
  set(this: Chain, all: Rule[]): void {
    settle(this, all);
  },
  enumerable: true,
  configurable: true,
};

/**
 * A new chain whose rules a parser may hold back (holdPendingRules): `rules` is an accessor from
 * the start, an own enumerable property that reads as the chain's rules like any other. Turning a
 * plain `rules: []` into an accessor afterwards reshapes the object, and on a kube-proxy dump of
 * 30,000 chains that cost more than the scan of the lines itself.
 */
export function newHeldChain(name: string, family: Chain['family'], table: string, line?: number): Chain {
  // The keys in the order the parsers always wrote them (name, family, table, rules, line), the
  // line last and only when known: every chain then has one of two shapes.
  const chain = { name, family, table } as Chain;
  Object.defineProperty(chain, 'rules', HELD_RULES);
  if (line !== undefined) chain.line = line;
  return chain;
}

/**
 * Makes CHAIN's `rules` an accessor that parses every pending rule on first read and then
 * becomes the plain array; until then the simulator can take rules one by one from PENDING.
 * A chain made by newHeldChain has that accessor already.
 */
export function holdPendingRules(chain: Chain, rules: PendingRules): void {
  pending.set(chain, rules);
  if (Object.getOwnPropertyDescriptor(chain, 'rules')?.get === undefined)
    Object.defineProperty(chain, 'rules', {
      get: () => parseHeld(chain),
      set: (all: Rule[]) => settle(chain, all),
      enumerable: true,
      configurable: true,
    });
}

/** holdPendingRules for a chain made by newHeldChain, whose `rules` is that accessor already: no look at it. */
export function holdHeldRules(chain: Chain, rules: PendingRules): void {
  pending.set(chain, rules);
}

function settle(chain: Chain, rules: Rule[]): void {
  pending.delete(chain);
  Object.defineProperty(chain, 'rules', { value: rules, writable: true, enumerable: true, configurable: true });
}

/** The chain's rule count, without parsing rules still held as text. */
export function ruleCount(chain: Chain): number {
  return pending.get(chain)?.count ?? chain.rules.length;
}
