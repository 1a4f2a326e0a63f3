import type { Snapshot, SourceLocation } from '../snapshot/types.js';

/**
 * UFW as the audit sees it: is it on, what are its defaults, and its rules as
 * structured tuples. ufw writes every user rule to user.rules/user6.rules as a
 * "### tuple ###" line; those are the rules `ufw status` prints, so reading them
 * needs no root and no Python.
 */

export type UfwAction = 'allow' | 'deny' | 'reject' | 'limit';

export interface UfwRule {
  action: UfwAction;
  /** `route` rules filter forwarded traffic (FORWARD), not traffic to the host. */
  route: boolean;
  log: boolean;
  /** `log-all` rather than `log`: ufw needs the very word again to delete the rule. */
  logAll?: true;
  protocol: 'tcp' | 'udp' | 'any' | string;
  /** "22", "9000:9100", "80,443" or "any". */
  dport: string;
  dst: string;
  sport: string;
  src: string;
  direction: 'in' | 'out';
  /** Interface for `in on IFACE` / `out on IFACE` rules. */
  inInterface?: string;
  outInterface?: string;
  /** The application profile a rule names (`app NAME`) for its destination and for its source. */
  application?: string;
  sourceApplication?: string;
  comment?: string;
  v6: boolean;
  location: SourceLocation;
}

function decodeHexComment(hex: string): string {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) return hex;
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Parse the `### tuple ###` lines of a user.rules / user6.rules file. */
export function parseUfwTuples(text: string, file: string, v6: boolean): { rules: UfwRule[]; errors: { line: number; message: string }[] } {
  const rules: UfwRule[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split('\n').forEach((raw, index) => {
    const match = /^### tuple ### (.*)$/.exec(raw.trim());
    if (!match) return;
    let body = match[1]!.trim();
    let comment: string | undefined;
    const commentMatch = / comment=(\S*)$/.exec(body);
    if (commentMatch) {
      comment = decodeHexComment(commentMatch[1]!);
      body = body.slice(0, commentMatch.index);
    }
    const fields = body.split(/\s+/);
    // action proto dport dst sport src [dapp sapp] direction
    if (fields.length !== 7 && fields.length !== 9) {
      errors.push({ line: index + 1, message: `ufw tuple has ${fields.length} fields, expected 7 or 9` });
      return;
    }
    const [actionField, protocol, dport, dst, sport, src] = fields as [string, string, string, string, string, string];
    const directionField = fields[fields.length - 1]!;
    const route = actionField.startsWith('route:');
    const actionText = actionField.replace(/^route:/, '');
    const log = /_log(-all)?$/.test(actionText);
    const action = actionText.replace(/_log(-all)?$/, '');
    if (!['allow', 'deny', 'reject', 'limit'].includes(action)) {
      errors.push({ line: index + 1, message: `unknown ufw action "${actionText}"` });
      return;
    }
    const rule: UfwRule = {
      action: action as UfwAction,
      route,
      log,
      protocol,
      dport,
      dst,
      sport,
      src,
      direction: 'in',
      v6,
      location: { file, line: index + 1 },
    };
    for (const part of directionField.split('!')) {
      const [dir, iface] = part.split('_', 2) as [string, string | undefined];
      if (dir === 'out' && !route) rule.direction = 'out';
      if (dir === 'in' && iface) rule.inInterface = iface;
      if (dir === 'out' && iface) rule.outInterface = iface;
    }
    if (/_log-all$/.test(actionText)) rule.logAll = true;
    if (fields.length === 9 && fields[6] !== '-') rule.application = fields[6]!;
    if (fields.length === 9 && fields[7] !== '-') rule.sourceApplication = fields[7]!;
    if (comment !== undefined) rule.comment = comment;
    rules.push(rule);
  });
  return { rules, errors };
}

export interface UfwModel {
  installed: boolean;
  enabledInConfig: boolean;
  /** ufw's chains are in the live ruleset: this is what `ufw status` calls active. */
  loaded: boolean | undefined;
  /** Enabled in config and loaded; `undefined` when the ruleset could not be read. */
  active: boolean | undefined;
  defaults: { input?: string; output?: string; forward?: string };
  rules: UfwRule[];
  errors: { file: string; line: number; message: string }[];
}

export function buildUfwModel(snapshot: Snapshot): UfwModel | undefined {
  if (snapshot.ufw.status !== 'ok') return undefined;
  const { files, installed } = snapshot.ufw.data;
  const rules: UfwRule[] = [];
  const errors: UfwModel['errors'] = [];
  for (const [name, v6] of [
    ['user.rules', false],
    ['user6.rules', true],
  ] as const) {
    const content = files.ruleFiles[name];
    if (content?.status !== 'ok') continue;
    const file = `/etc/ufw/${name}`;
    const parsed = parseUfwTuples(content.data, file, v6);
    rules.push(...parsed.rules);
    errors.push(...parsed.errors.map((e) => ({ file, ...e })));
  }
  const dump = snapshot.netfilter.iptablesSave;
  const loaded = dump.status === 'ok' ? /^:ufw-user-input /m.test(dump.data) || /-j ufw-before-input/.test(dump.data) : undefined;
  const statusText = files.statusVerbose.status === 'ok' ? files.statusVerbose.data : undefined;
  let active: boolean | undefined = loaded === undefined ? undefined : files.enabledInConfig && loaded;
  // `ufw status` is authoritative when it was run.
  if (statusText) active = /^Status: active/m.test(statusText);
  return { installed, enabledInConfig: files.enabledInConfig, loaded, active, defaults: files.defaults, rules, errors };
}

/** Policies that refuse a new connection no rule admits (ufw accepts ACCEPT, DROP or REJECT, in any case). */
const REFUSING = new Set(['DROP', 'REJECT']);

/**
 * UFW's default incoming policy as ufw reads it (it lowercases the value; DROP, ufw's shipped
 * default, when /etc/default/ufw does not set it), and whether it refuses what no rule admits:
 * then a missing SSH rule locks the owner out.
 */
export function ufwIncomingDefault(ufw: UfwModel): { policy: string; refuses: boolean } {
  const policy = (ufw.defaults.input ?? 'DROP').toUpperCase();
  return { policy, refuses: REFUSING.has(policy) };
}

/** The first rule that admits new inbound TCP connections to `port` (allow or limit; not a route rule). */
export function ufwRuleAdmittingTcp(rules: readonly UfwRule[], port: number): UfwRule | undefined {
  return rules.find(
    (r) =>
      !r.route &&
      r.direction === 'in' &&
      (r.action === 'allow' || r.action === 'limit') &&
      (r.protocol === 'tcp' || r.protocol === 'any') &&
      ufwPortCovers(r.dport, port),
  );
}

/** Does a ufw port spec ("22", "80,443", "9000:9100", "any") cover this port? */
export function ufwPortCovers(spec: string, port: number): boolean {
  if (spec === 'any') return true;
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':').map(Number) as [number, number | undefined];
    return hi === undefined ? lo === port : port >= lo && port <= hi;
  });
}

export function isAnySource(src: string): boolean {
  return src === '0.0.0.0/0' || src === '::/0' || src === 'any';
}

/** Parse `ufw status verbose` (when collected): the status line and the default policies. */
export function parseUfwStatusVerbose(text: string): {
  active?: boolean;
  defaults: Record<string, string>;
  rules: { to: string; action: string; from: string; comment?: string }[];
} {
  const result: ReturnType<typeof parseUfwStatusVerbose> = { defaults: {}, rules: [] };
  const status = /^Status:\s*(\w+)/m.exec(text);
  if (status) result.active = status[1] === 'active';
  const defaults = /^Default:\s*(.*)$/m.exec(text);
  if (defaults) {
    for (const part of defaults[1]!.split(',')) {
      const m = /(\w+)\s*\((\w+)\)/.exec(part.trim());
      if (m) result.defaults[m[2]!] = m[1]!;
    }
  }
  let inTable = false;
  for (const line of text.split('\n')) {
    if (/^--\s+/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || !line.trim()) continue;
    const m = /^(.+?)\s{2,}((?:ALLOW|DENY|REJECT|LIMIT)(?: (?:IN|OUT|FWD))?)\s{2,}(.+?)(?:\s+#\s*(.*))?$/.exec(line.trimEnd());
    if (!m) continue;
    const rule: { to: string; action: string; from: string; comment?: string } = { to: m[1]!.trim(), action: m[2]!, from: m[3]!.trim() };
    if (m[4]) rule.comment = m[4];
    result.rules.push(rule);
  }
  return result;
}
