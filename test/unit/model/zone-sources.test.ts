import { describe, expect, it } from 'vitest';
import { MAX_SOURCES, zoneSources } from '../../../src/model/zone-sources.js';
import { textSpan, type AddressPredicate } from '../../../src/netfilter/address-predicates.js';

/** Review C (s11) finding 1: a zone's clients are a set of addresses, not the one the model used to send from. */

const INTERNET = { include: ['0.0.0.0/0'], exclude: ['0.0.0.0/8', '10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/3'] };

/** A predicate of rule TEXT (`ip filter INPUT rule 1: TEXT` when shown). */
function predicate(text: string, ...cidrs: string[]): AddressPredicate {
  return { family: 4, spans: cidrs.map((c) => textSpan(c)!.span), rule: { table: 'ip filter', chain: 'INPUT', index: 1, line: undefined, text } };
}

const inAny = (address: string, cidrs: string[]): boolean => {
  const a = textSpan(address)!.span[0];
  return cidrs.some((c) => {
    const [lo, hi] = textSpan(c)!.span;
    return lo <= a && a <= hi;
  });
};

describe('zoneSources', () => {
  it('keeps the preferred client alone when no rule tests addresses', () => {
    expect(zoneSources(4, INTERNET, [], '203.0.113.77')).toEqual({ sources: ['203.0.113.77'], classes: 1 });
  });

  it('adds a public client outside a bogon list that holds the preferred one', () => {
    const bogons = predicate('bogons', '0.0.0.0/8', '192.0.2.0/24', '203.0.113.0/24', '240.0.0.0/4');
    const { sources } = zoneSources(4, INTERNET, [bogons], '203.0.113.77');
    expect(sources.length).toBeGreaterThan(0);
    expect(sources).not.toContain('203.0.113.77');
    for (const s of sources) expect(inAny(s, ['0.0.0.0/8', '10.0.0.0/8', '192.0.2.0/24', '203.0.113.0/24', '224.0.0.0/3'])).toBe(false);
  });

  it('has a client inside an allow-list and one outside it, the preferred one standing for the outside', () => {
    const geo = predicate('geo-de', '5.1.0.0/17', '31.16.0.0/14');
    const { sources } = zoneSources(4, INTERNET, [geo], '203.0.113.77');
    expect(sources[0]).toBe('203.0.113.77');
    expect(sources.some((s) => inAny(s, ['5.1.0.0/17', '31.16.0.0/14']))).toBe(true);
  });

  it('finds a client in a LAN subnet that a rule names, apart from the host address', () => {
    const lan = { include: ['192.168.1.0/24'], exclude: ['192.168.1.10'] };
    const { sources } = zoneSources(4, lan, [predicate('admin', '192.168.1.5/32')], '192.168.1.200');
    expect(sources).toEqual(['192.168.1.200', '192.168.1.5']);
  });

  it('tries at most MAX_SOURCES classes and names rules that tell the rest apart', () => {
    const many = Array.from({ length: MAX_SOURCES + 4 }, (_, i) => predicate(`rule ${i}`, `192.168.1.${i + 1}/32`));
    const out = zoneSources(4, { include: ['192.168.1.0/24'], exclude: [] }, many, '192.168.1.200');
    expect(out.sources).toHaveLength(MAX_SOURCES);
    expect(out.classes).toBe(MAX_SOURCES + 5);
    expect(out.untried?.length).toBeGreaterThan(0);
  });
});
