import { GUIDE } from '../../checks/guide.js';
import type { FileStep } from '../types.js';
import { fileDiff } from './file-diff.js';

/**
 * The guide's DOCKER-USER policy, the persistent way: a block in UFW's after.rules (and
 * after6.rules), which ufw loads on every start. Published ports stay reachable from private
 * ranges, the tailnet and on 80/443; new connections from anywhere else are dropped before
 * Docker's own FORWARD rules can accept them. Marked so a second run sees it is there.
 */

export const MARK_BEGIN = '# BEGIN clawmoat docker-user';
export const MARK_END = '# END clawmoat docker-user';

export function dockerUserBlock(v6: boolean): string {
  const ranges = v6 ? ['::1/128', 'fc00::/7', 'fe80::/10'] : ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
  return [
    MARK_BEGIN,
    '# Docker publishes ports through FORWARD, where UFW never looks: filter them in DOCKER-USER.',
    '# Written by `clawmoat harden` (docker.ufw_bypass); `clawmoat harden --rollback` removes it.',
    '*filter',
    ':DOCKER-USER - [0:0]',
    '-F DOCKER-USER',
    '-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    ...ranges.map((r) => `-A DOCKER-USER -s ${r} -j RETURN`),
    // The port the client asked for, before Docker's DNAT: a gateway published as 8080->80 is not web traffic.
    '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 80 -j RETURN',
    '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 443 -j RETURN',
    '-A DOCKER-USER -m conntrack --ctstate NEW -j DROP',
    '-A DOCKER-USER -j RETURN',
    'COMMIT',
    MARK_END,
    '',
  ].join('\n');
}

/**
 * The new file is the live file (read now, through the planners' `readFile`) plus the block: never
 * the snapshot's copy, which is the text as collected and scrubbed of secrets (a token that reads
 * `COMMIT` would turn the file's own COMMIT into `[REDACTED]`), and may be older than the file apply checks.
 */
export function planDockerUser(finding: string, readFile: (path: string) => string | undefined): { steps: FileStep[]; notes: string[] } {
  const steps: FileStep[] = [];
  const notes: string[] = [];
  for (const [name, v6] of [
    ['after.rules', false],
    ['after6.rules', true],
  ] as const) {
    const path = `/etc/ufw/${name}`;
    const current = readFile(path);
    if (current === undefined) {
      notes.push(`${path} could not be read now (missing or unreadable): the DOCKER-USER policy for ${v6 ? 'IPv6' : 'IPv4'} is not planned`);
      continue;
    }
    if (current.includes(MARK_BEGIN)) continue;
    const content = `${current.replace(/\n*$/, '\n')}\n${dockerUserBlock(v6)}`;
    steps.push({
      id: `docker.docker-user-${v6 ? 'v6' : 'v4'}`,
      finding,
      guide: GUIDE.docker,
      kind: 'file',
      path,
      description: `Add the guide's DOCKER-USER policy to ${path}: published container ports stop being reachable from the internet past UFW (private ranges, the tailnet and the host's ports 80/443 still pass). Takes effect with \`ufw reload\`.`,
      diff: fileDiff(path, current, content),
      content,
      undo: `remove the block between "${MARK_BEGIN}" and "${MARK_END}" from ${path}, then ufw reload`,
    });
  }
  return { steps, notes };
}
