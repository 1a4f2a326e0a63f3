import { compareCalver } from './version.js';

/**
 * Published OpenClaw (and Clawdbot) advisories that bear on exposure and authentication, with
 * their affected ranges, as data. Only entries whose range is documented in the project's
 * reference notes (../shared/reference/openclaw.md §6 and doors.md §4, compiled from the GitHub
 * advisory JSON and the other sources named per row) are here; rows those notes mark
 * UNCONFIRMED are left out rather than guessed. Update by adding a row with its source.
 */

export interface Advisory {
  /** GHSA id, or CVE id when no GHSA id is documented. */
  id: string;
  aliases: string[];
  summary: string;
  /** Versions affected: up to and including `through`, or below `below`. */
  affected: { through: string } | { below: string };
  fixed: string;
  /**
   * When it matters on a host: always; with gateway.trustedProxies set; in trusted-proxy auth
   * mode; when an HTTP door (reverse proxy) leads to the gateway.
   */
  applies: 'always' | 'trusted-proxies' | 'trusted-proxy-mode' | 'http-door';
  sources: string[];
  note?: string;
}

export const ADVISORIES: readonly Advisory[] = [
  {
    id: 'GHSA-g8p2-7wf7-98mq',
    aliases: ['CVE-2026-25253'],
    summary: 'The Control UI auto-connected to a ?gatewayUrl= parameter and leaked the gateway token (1-click RCE), even with a loopback bind',
    affected: { through: '2026.1.28' },
    fixed: '2026.1.29',
    applies: 'always',
    sources: ['GitHub advisory GHSA-g8p2-7wf7-98mq (published 2026-02-02, HIGH 8.8)', 'vulhub PR #761/#762'],
  },
  {
    id: 'GHSA-g55j-c2v4-pjcg',
    aliases: ['CVE-2026-25593'],
    summary: 'An unauthenticated local WebSocket client could call config.apply / set cliPath (RCE)',
    affected: { below: '2026.1.20' },
    fixed: '2026.1.20',
    applies: 'always',
    sources: ['third-party summary, as recorded in reference/openclaw.md §6'],
  },
  {
    id: 'CVE-2026-28472',
    aliases: [],
    summary: 'connect skipped the device-identity check when auth.token was present but not validated',
    affected: { through: '2026.2.1' },
    fixed: '2026.2.2',
    applies: 'always',
    sources: ['reference/openclaw.md §6'],
  },
  {
    id: 'GHSA-943q-mwmv-hhvh',
    aliases: [],
    summary: 'POST /tools/invoke did not deny sessions_spawn / sessions_send by default',
    affected: { below: '2026.2.14' },
    fixed: '2026.2.14',
    applies: 'always',
    sources: ['reference/openclaw.md §6 (PR #15390)'],
  },
  {
    id: 'GHSA-vvjh-f6p9-5vcf',
    aliases: ['ZDI-CAN-29311'],
    summary: 'Canvas access for anyone sharing a private IP address with an authenticated WebSocket client',
    affected: { below: '2026.2.19' },
    fixed: '2026.2.19',
    applies: 'always',
    sources: ['GitHub advisory GHSA-vvjh-f6p9-5vcf (published 2026-03-04, HIGH)'],
  },
  {
    id: 'GHSA-cjv3-m589-v3rx',
    aliases: [],
    summary: 'Canvas hardening: the shared-IP fallback removed, bind and fallback fail closed',
    affected: { through: '2026.2.19-2' },
    fixed: '2026.2.21',
    applies: 'always',
    sources: ['GitHub advisory GHSA-cjv3-m589-v3rx (published 2026-03-03, MODERATE)'],
    note: 'cvereports.com gives <2026.2.22 and 8.1; the GitHub advisory JSON is followed here',
  },
  {
    id: 'GHSA-844j-xrrq-wgh4',
    aliases: ['CVE-2026-35656'],
    summary: 'Spoofed loopback X-Forwarded-For hops were accepted with trustedProxies set (canvas auth, rate limit)',
    affected: { below: '2026.3.22' },
    fixed: '2026.3.22',
    applies: 'trusted-proxies',
    sources: ['GitHub advisory GHSA-844j-xrrq-wgh4 (published 2026-03-26)', 'NVD CVE-2026-35656 (2026-04-10, MEDIUM)'],
  },
  {
    id: 'GHSA-3xv9-89fm-7h4r',
    aliases: ['CVE-2026-41403'],
    summary: 'The diffs viewer treated proxied remote requests as loopback',
    affected: { through: '2026.3.28' },
    fixed: '2026.3.31',
    applies: 'http-door',
    sources: ['GitHub advisory GHSA-3xv9-89fm-7h4r (published 2026-04-03, MODERATE)', 'PR #57912'],
  },
  {
    id: 'GHSA-rggc-m335-3wvj',
    aliases: ['CVE-2026-53832'],
    summary: 'Same-host callers could forge trusted-proxy identity headers',
    affected: { below: '2026.5.18' },
    fixed: '2026.5.18',
    applies: 'trusted-proxy-mode',
    sources: ['GitHub advisory GHSA-rggc-m335-3wvj (published 2026-07-02, HIGH)'],
  },
  {
    id: 'GHSA-qjpc-qf9m-xwmr',
    aliases: ['CVE-2026-53821'],
    summary: 'Trusted-proxy Control UI WebSockets kept client-declared scopes before pairing',
    affected: { below: '2026.5.18' },
    fixed: '2026.5.18',
    applies: 'trusted-proxy-mode',
    sources: ['GitHub advisory GHSA-qjpc-qf9m-xwmr (published 2026-07-02, HIGH 8.8)'],
    note: 'the CVE is matched by description (securelayer7, the CVE list); it is not an alias in the advisory JSON',
  },
];

export function affects(a: Advisory, version: string): boolean {
  return 'through' in a.affected ? compareCalver(version, a.affected.through) <= 0 : compareCalver(version, a.affected.below) < 0;
}

export function describeRange(a: Advisory): string {
  return 'through' in a.affected ? `≤${a.affected.through}` : `<${a.affected.below}`;
}
