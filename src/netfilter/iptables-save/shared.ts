import type { Match, Verdict } from '../model.js';

/** Which option a shared match was written with; each has a map for itself and one for its negation. */
export const Slot = { Src: 0, Dst: 2, In: 4, Out: 6, Protocol: 8 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

/**
 * One object per distinct `-s`/`-d`, `-i`/`-o` and `-p` argument and jump target of a table,
 * shared by every rule that repeats it. A kube-proxy or Docker dump repeats `-p tcp`,
 * `-i docker0`, `-s 10.244.0.0/16`, `-j KUBE-MARK-MASQ` thousands of times; the model of a
 * 100k-rule dump is most of the process's heap and of the garbage collector's work, and an
 * address is then parsed once. The model is plain data that nothing mutates after parsing, so a
 * shared object is indistinguishable from a copy except by identity. Keyed by the argument's
 * own text, per slot (option and negation): no key string is built per rule.
 */
export class SharedParts {
  /** Slot + 1 when negated. */
  private readonly matches: Map<string, Match>[] = Array.from({ length: 10 }, () => new Map<string, Match>());
  private readonly jumps = new Map<string, Verdict>();
  private readonly gotos = new Map<string, Verdict>();

  match(slot: Slot, negate: boolean, arg: string): Match | undefined {
    return (this.matches[slot + (negate ? 1 : 0)] as Map<string, Match>).get(arg);
  }

  keep(slot: Slot, negate: boolean, arg: string, m: Match): Match {
    (this.matches[slot + (negate ? 1 : 0)] as Map<string, Match>).set(arg, m);
    return m;
  }

  jump(kind: 'jump' | 'goto', target: string): Verdict {
    const map = kind === 'jump' ? this.jumps : this.gotos;
    const seen = map.get(target);
    if (seen) return seen;
    const v: Verdict = { kind, target };
    map.set(target, v);
    return v;
  }
}
