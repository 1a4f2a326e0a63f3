import type { Hook } from '../model.js';
import type { HostTable } from './host.js';
import type { Pkt } from './packet.js';
import type { Step } from './types.js';

/**
 * One walk of one packet. Where the snapshot cannot decide something (a match that is
 * undecidable, a verdict the model cannot read) the walk asks `decide`, which answers from a
 * list of forced choices: the simulator replays the walk with every combination of answers and
 * calls the result known only if they all agree (so an undecidable rule that cannot change the
 * outcome does not make it unknown).
 */

/** Upper bound of rule evaluations in one walk (goto loops are refused by the kernel, not by a dump). */
export const RULE_BUDGET = 2_000_000;
/** nft allows 16 nested jumps; iptables a little more. */
export const MAX_JUMP_DEPTH = 64;

export interface Decision {
  /** How many answers there were. */
  alternatives: number;
  /** Which one this walk took. */
  taken: number;
  why: string;
  /** The kernel picks this anew for every connection (statistic --mode random, numgen, jhash): a client that retries meets every answer. */
  random?: boolean;
}

export class Run {
  readonly steps: Step[] = [];
  readonly decisions: Decision[] = [];
  /** Set when the walk met something that no choice can settle (computed NAT target, loops). */
  fatal: string | undefined;
  budget = RULE_BUDGET;
  /** The NAT binding of the current hook is set up: later nat chains on the hook are skipped. */
  natDone = false;
  hook: Hook = 'prerouting';
  rejectWith: string | undefined;
  /** The last drop came from a chain policy rather than a rule. */
  droppedByPolicy = false;
  /** The order chosen for each ambiguous hook plan: the kernel's order is one, for every packet of the walk. */
  readonly orders = new Map<object, number>();

  constructor(
    readonly p: Pkt,
    readonly host: HostTable,
    private readonly forced: readonly number[],
  ) {}

  /** Answer for the next undecidable point, 0 .. alternatives-1. */
  decide(alternatives: number, why: string, random = false): number {
    const k = this.decisions.length;
    const forced = this.forced[k];
    const taken = forced !== undefined && forced < alternatives ? forced : 0;
    this.decisions.push(random ? { alternatives, taken, why, random } : { alternatives, taken, why });
    return taken;
  }

  step(s: Step): void {
    this.steps.push(s);
  }

  note(text: string, hook = 'note'): void {
    this.steps.push({ hook, table: '', chain: '', text });
  }
}
