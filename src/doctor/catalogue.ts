import type { SymptomMeta } from './symptom.js';

/**
 * Each symptom's metadata (id, title, the question as a user asks it, aliases), apart from its
 * diagnosis: `clawmoat doctor --help` and the check of a symptom's name need these before (and
 * without) loading the analysis. The symptom files take their `meta` from here.
 */
export const SYMPTOM_META = {
  'remote-access': {
    id: 'remote-access',
    title: "Can't reach the gateway from another machine",
    question: "I can't reach the gateway from another machine",
    aliases: ['remote', 'remote-unreachable', 'unreachable', 'another-machine'],
  },
  'ufw-lockout': {
    id: 'ufw-lockout',
    title: 'Locked out after enabling UFW',
    question: "I'm locked out after enabling UFW",
    aliases: ['ufw', 'lockout', 'locked-out'],
  },
  'container-network': {
    id: 'container-network',
    title: "A container can't reach the gateway",
    question: "A container can't reach the gateway",
    aliases: ['container', 'containers', 'docker-network', 'network'],
  },
  'docker-publish': {
    id: 'docker-publish',
    title: "The host CLI can't reach a gateway in Docker",
    question: "The host CLI can't reach the gateway running in Docker",
    aliases: ['publish', 'host-cli', 'docker-port', 'docker'],
  },
  'internet-exposure': {
    id: 'internet-exposure',
    title: 'The gateway is reachable from the internet',
    question: 'Why is the gateway reachable from the internet?',
    aliases: ['internet', 'exposed', 'public', 'why-reachable', 'doors', 'door'],
  },
} as const satisfies Record<string, SymptomMeta>;

export type SymptomId = keyof typeof SYMPTOM_META;

/** The guide's "common issues", in its order; then why the gateway is reachable from the internet (its doors). */
export const SYMPTOM_IDS = Object.keys(SYMPTOM_META) as SymptomId[];

/** A symptom's id from its id or an alias (case-insensitive), or undefined. */
export function symptomIdOf(name: string): SymptomId | undefined {
  const key = name.trim().toLowerCase();
  return SYMPTOM_IDS.find((id) => id === key || (SYMPTOM_META[id].aliases as readonly string[]).includes(key));
}
