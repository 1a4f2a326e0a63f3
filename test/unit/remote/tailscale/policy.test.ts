import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { GATEWAY_TAG, PLACEHOLDER_GROUP, policySnippet, validPrincipal } from '../../../../src/remote/tailscale/policy.js';

interface Policy {
  groups?: Record<string, string[]>;
  tagOwners: Record<string, string[]>;
  grants?: { src: string[]; dst: string[]; ip: string[] }[];
  acls?: { action: string; src: string[]; proto: string; dst: string[] }[];
  tests: { src: string; proto: string; accept?: string[]; deny?: string[] }[];
}

/** HuJSON is JSON with comments and trailing commas, a subset of what json5 reads. */
const parse = (text: string): Policy => JSON5.parse(text) as Policy;

describe('the tailnet policy snippet', () => {
  it('is HuJSON: comments and trailing commas, and it parses', () => {
    const snippet = policySnippet({ allow: ['alice@example.com'], port: 443, format: 'grants', host: 'gw.tail1234.ts.net' });
    expect(snippet.text).toMatch(/^\/\/ Tailnet policy for the OpenClaw gateway on gw\.tail1234\.ts\.net/);
    expect(snippet.text).toMatch(/,\n\s*\],/);
    expect(() => JSON.parse(snippet.text)).toThrow();
    expect(() => parse(snippet.text)).not.toThrow();
  });

  it('grants the named users and tags the port on the gateway tag, and nothing else', () => {
    const policy = parse(policySnippet({ allow: ['alice@example.com', 'tag:ci', 'alice@example.com'], port: 18789, format: 'grants' }).text);
    expect(policy.grants).toEqual([{ src: ['alice@example.com', 'tag:ci'], dst: [GATEWAY_TAG], ip: ['tcp:18789'] }]);
    expect(policy.acls).toBeUndefined();
    expect(policy.tagOwners).toEqual({ [GATEWAY_TAG]: ['autogroup:admin'] });
    expect(policy.groups).toBeUndefined();
  });

  it('tests that exactly the named principals reach host:port and autogroup:member does not', () => {
    const policy = parse(policySnippet({ allow: ['alice@example.com', 'tag:ci'], port: 443, format: 'grants' }).text);
    const accepted = policy.tests.filter((t) => t.accept).map((t) => t.src);
    const denied = policy.tests.filter((t) => t.deny).map((t) => t.src);
    expect(accepted.sort()).toEqual(['alice@example.com', 'tag:ci']);
    expect(denied).toEqual(['autogroup:member']);
    for (const t of policy.tests) {
      expect(t.proto).toBe('tcp');
      expect([...(t.accept ?? []), ...(t.deny ?? [])]).toEqual([`${GATEWAY_TAG}:443`]);
    }
  });

  it('writes acls instead with --acls, with the same tests', () => {
    const policy = parse(policySnippet({ allow: ['tag:ci'], port: 18789, format: 'acls' }).text);
    expect(policy.grants).toBeUndefined();
    expect(policy.acls).toEqual([{ action: 'accept', src: ['tag:ci'], proto: 'tcp', dst: [`${GATEWAY_TAG}:18789`] }]);
    expect(policy.tests.map((t) => [t.src, t.accept ?? t.deny])).toEqual([
      ['tag:ci', [`${GATEWAY_TAG}:18789`]],
      ['autogroup:member', [`${GATEWAY_TAG}:18789`]],
    ]);
  });

  it('stands in a placeholder group, defined and said so, when no one is named', () => {
    const snippet = policySnippet({ allow: [], port: 443, format: 'grants' });
    const policy = parse(snippet.text);
    expect(snippet.placeholder).toBe(true);
    expect(policy.groups).toEqual({ [PLACEHOLDER_GROUP]: ['you@example.com'] });
    expect(policy.grants?.[0]?.src).toEqual([PLACEHOLDER_GROUP]);
    expect(snippet.text).toContain('// Placeholder: list the logins');
  });

  it('accepts logins, tags and groups, and nothing that could break the file', () => {
    for (const ok of ['alice@example.com', 'bob@github', 'tag:ci', 'group:ops', 'autogroup:admin']) expect(validPrincipal(ok)).toBe(true);
    for (const bad of ['alice', 'tag:', 'tag:a b', 'x"]@y', 'group:', '*', 'autogroup:member', 'a@b@c']) expect(validPrincipal(bad)).toBe(false);
  });
});
