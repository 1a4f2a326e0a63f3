/**
 * The tailnet policy snippet: HuJSON (JSON with comments and trailing commas), the format of
 * the tailnet policy file (tailscale.com/docs/reference/syntax/policy-file). Built as text so
 * it can carry comments; every value goes through JSON.stringify, so a login or tag can never
 * break out of its string.
 *
 * - `grants` (the docs' preferred form): { "src": [...], "dst": ["tag:…"], "ip": ["tcp:PORT"] }
 * - `acls` (--acls):                    { "action": "accept", "src": [...], "proto": "tcp", "dst": ["tag:…:PORT"] }
 * - `tests`, which the admin console runs before it saves the file: one per admitted principal,
 *   { "src": P, "proto": "tcp", "accept": ["tag:…:PORT"] }, and { "src": "autogroup:member",
 *   "proto": "tcp", "deny": [...] }, so any other rule that still admits everyone (the default
 *   allow-all) makes the save fail instead of silently leaving the gateway open.
 */

export const GATEWAY_TAG = 'tag:openclaw-gateway';
export const PLACEHOLDER_GROUP = 'group:openclaw-admins';
const PLACEHOLDER_MEMBER = 'you@example.com';

export type PolicyFormat = 'grants' | 'acls';

export interface PolicyOptions {
  /** Users (login names), tags or groups admitted; empty → the placeholder group. */
  allow: readonly string[];
  /** The port the tailnet connects to: Serve's HTTPS port, or the gateway port for a tailnet bind. */
  port: number;
  format: PolicyFormat;
  /** The machine, for the header comment (its MagicDNS name when known). */
  host?: string;
}

export interface PolicySnippet {
  format: PolicyFormat;
  principals: string[];
  /** True when no --allow was given and the placeholder group stands in. */
  placeholder: boolean;
  dst: string;
  port: number;
  text: string;
}

/** A principal the policy file accepts in `src`: a login (user@domain, user@github), a tag, a group. */
export function validPrincipal(text: string): boolean {
  return (
    /^[^\s@"]+@[^\s@"]+$/.test(text) ||
    /^tag:[A-Za-z0-9][A-Za-z0-9-]*$/.test(text) ||
    /^group:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text) ||
    text === 'autogroup:admin'
  );
}

const q = (v: unknown): string => JSON.stringify(v);
const list = (values: readonly string[]): string => `[${values.map(q).join(', ')}]`;

export function policySnippet(options: PolicyOptions): PolicySnippet {
  const placeholder = options.allow.length === 0;
  const principals = placeholder ? [PLACEHOLDER_GROUP] : [...new Set(options.allow)];
  const dst = GATEWAY_TAG;
  const target = `${dst}:${options.port}`;
  const lines: string[] = [
    `// Tailnet policy for the OpenClaw gateway${options.host ? ` on ${options.host}` : ''}, made by clawmoat tailscale plan.`,
    '// Merge these sections into your tailnet policy file (admin console → Access controls, or GitOps).',
    `// Only ${principals.join(', ')} may reach the gateway, on tcp:${options.port}; nothing else on it.`,
    '{',
  ];
  if (placeholder) {
    lines.push(
      '  "groups": {',
      `    // Placeholder: list the logins allowed to use the gateway (or rerun with --allow user@example.com).`,
      `    ${q(PLACEHOLDER_GROUP)}: ${list([PLACEHOLDER_MEMBER])},`,
      '  },',
    );
  }
  lines.push(
    '  "tagOwners": {',
    `    // Who may tag a machine as the gateway: tailscale up --advertise-tags=${GATEWAY_TAG}`,
    `    ${q(GATEWAY_TAG)}: ${list(['autogroup:admin'])},`,
    '  },',
  );
  if (options.format === 'grants') {
    lines.push(
      '  "grants": [',
      '    {',
      `      "src": ${list(principals)},`,
      `      "dst": ${list([dst])},`,
      `      "ip": ${list([`tcp:${options.port}`])},`,
      '    },',
      '  ],',
    );
  } else {
    lines.push(
      '  "acls": [',
      '    {',
      '      "action": "accept",',
      `      "src": ${list(principals)},`,
      '      "proto": "tcp",',
      `      "dst": ${list([target])},`,
      '    },',
      '  ],',
    );
  }
  lines.push('  "tests": [');
  for (const p of principals) lines.push(`    {"src": ${q(p)}, "proto": "tcp", "accept": ${list([target])}},`);
  lines.push(
    '    // Every other member is refused. This test fails while a broader rule (such as the',
    '    // default allow-all) still admits everyone: narrow or remove that rule.',
    `    {"src": "autogroup:member", "proto": "tcp", "deny": ${list([target])}},`,
    '  ],',
    '}',
  );
  return { format: options.format, principals, placeholder, dst, port: options.port, text: `${lines.join('\n')}\n` };
}
