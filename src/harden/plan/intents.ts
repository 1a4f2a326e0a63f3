import type { FixIntent, IntentOf } from '../../checks/fix-intents.js';
import type { Finding } from '../../checks/types.js';
import { CHECKS } from '../../checks/catalogue.js';

/**
 * The fix intents of an audit, as the planners read them: each with the finding that carries it
 * (a step names that finding). Planners act on intents alone, never on a check's id.
 */

export interface Planned<K extends FixIntent['kind'] = FixIntent['kind']> {
  finding: Finding;
  intent: IntentOf<K>;
}

/** Every intent of these kinds the findings carry, in the findings' order. */
export function intentsOf<K extends FixIntent['kind']>(findings: readonly Finding[], ...kinds: K[]): Planned<K>[] {
  const wanted: readonly string[] = kinds;
  return findings.flatMap((finding) =>
    (finding.fixes ?? []).filter((intent): intent is IntentOf<K> => wanted.includes(intent.kind)).map((intent) => ({ finding, intent })),
  );
}

const GUIDE_ORDER = new Map(CHECKS.map((c, i) => [c.meta.id, i]));

/** The first in the guide's order (the catalogue's), not the report's (by severity): a step names the most basic reason for it. */
export function firstInGuideOrder<K extends FixIntent['kind']>(planned: readonly Planned<K>[]): Planned<K> | undefined {
  const rank = (p: Planned<K>) => GUIDE_ORDER.get(p.finding.id) ?? Number.MAX_SAFE_INTEGER;
  return planned.reduce<Planned<K> | undefined>((best, p) => (best === undefined || rank(p) < rank(best) ? p : best), undefined);
}

/**
 * Every intent kind and the planner that turns it into steps. A `Record` over the union: a new
 * kind in checks/fix-intents.ts does not compile until a planner takes it.
 */
export const PLANNER_OF: Readonly<Record<FixIntent['kind'], string>> = {
  'gateway.bind-private': 'config-steps.ts',
  'gateway.set-token': 'config-steps.ts',
  'gateway.drop-dangerous-flags': 'config-steps.ts',
  'door.bind-private': 'door-steps.ts',
  'door.explain-tunnel': 'door-steps.ts',
  'firewall.enable': 'ufw-steps.ts',
  'firewall.allow-ssh': 'ufw-steps.ts',
  'firewall.deny-gateway-port': 'ufw-steps.ts',
  'docker.publish-loopback': 'compose-steps.ts',
  'docker.network-dedicated': 'compose-steps.ts',
  'docker.network-not-host': 'compose-steps.ts',
  'docker.drop-socket-mount': 'compose-steps.ts',
  'docker.filter-published': 'docker-user-steps.ts, docker-nft-steps.ts',
};
