import { GUIDE } from '../../checks/guide.js';
import type { AnalysisContext } from '../../model/context.js';
import { checkLockout, type AdminContext } from '../lockout.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { CommandStep, FileStep, LockoutVerdict, Plan, Step } from '../types.js';
import { dockerNftBackend, hasPolicyTable, NFT_FAMILY, NFT_FILE, NFT_TABLE, NFT_UNDO_ARGV, NFT_UNIT, nftPolicyText, withPolicyTable } from './docker-nft.js';

export { NFT_UNDO_ARGV, NFT_UNIT };
import { fileDiff } from './file-diff.js';

/**
 * The steps that put docker-nft.ts's table in place and keep it there:
 *   docker.nft-file    /etc/clawmoat-docker.nft, the table, commented (what the user reads)
 *   docker.nft-unit    a oneshot unit that loads it at boot (only where systemd is PID 1)
 *   docker.nft-load    nft -f the file now
 *   docker.nft-enable  systemctl enable the unit
 * Each is planned only when what it makes is missing, so a second run plans nothing.
 *
 * Why a unit of our own and not an `include` in /etc/nftables.conf: Debian ships
 * nftables.service disabled, and its nftables.conf begins with `flush ruleset`; enabling it to
 * get our include loaded would, at boot, race ufw.service (both run before network-pre.target,
 * unordered) and could wipe UFW's rules. Our unit runs after nftables.service (its flush cannot
 * remove our table) and before docker.service (no boot window where a published port is open).
 */

export const NFT_UNIT_PATH = `/etc/systemd/system/${NFT_UNIT}`;
/** Where `systemctl enable` links the unit (its [Install] WantedBy). */
export const NFT_UNIT_LINK = `/etc/systemd/system/multi-user.target.wants/${NFT_UNIT}`;

export function unitText(finding: string): string {
  return [
    `# Written by \`clawmoat harden\` (${finding}); \`clawmoat harden --rollback\` removes it.`,
    `# Loads ${NFT_FILE} (Docker's published ports filtered the guide's way) at boot.`,
    '[Unit]',
    "Description=clawmoat: filter Docker's published ports (nftables)",
    'Documentation=https://docs.docker.com/engine/network/firewall-nftables/',
    'DefaultDependencies=no',
    '# After nftables.service: the `flush ruleset` in /etc/nftables.conf would remove the table.',
    'After=local-fs.target nftables.service',
    '# Before docker.service: no moment at boot when a published port is open to everyone.',
    'Before=network-pre.target docker.service',
    'Wants=network-pre.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=/usr/sbin/nft -f ${NFT_FILE}`,
    `ExecStop=/usr/sbin/nft "${NFT_UNDO_ARGV[1]}"`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface DockerNftInput {
  finding: string;
  readFile: (path: string) => string | undefined;
  /** For the lockout verdict: the admin paths this table must leave open. */
  admin: AdminContext;
}

export interface DockerNftPart {
  steps: Step[];
  notes: string[];
  /** The reach model's verdict with the table loaded, when the plan loads it. */
  lockout?: LockoutVerdict;
}

function fileStep(id: string, finding: string, path: string, current: string | undefined, content: string, description: string): FileStep {
  return {
    id,
    finding,
    guide: GUIDE.docker,
    kind: 'file',
    path,
    description,
    diff: fileDiff(path, current ?? '', content),
    content,
    undo: `${current === undefined ? `delete ${path}` : `restore ${path} from the backup`} (clawmoat harden --rollback)`,
  };
}

export function planDockerNft(ctx: AnalysisContext, input: DockerNftInput): DockerNftPart {
  const backend = dockerNftBackend(ctx.snapshot);
  if (!backend) return { steps: [], notes: [] };
  const { finding, readFile } = input;
  const steps: Step[] = [];
  const notes = [
    `Docker filters with nftables here (${backend.evidence}): it has no DOCKER-USER chain, so the guide's policy goes in a table of our own, table ${NFT_FAMILY} ${NFT_TABLE}, not in UFW's after.rules.`,
  ];
  const policy = nftPolicyText(finding);
  const systemd = readFile('/proc/1/comm')?.trim() === 'systemd';

  const onDisk = readFile(NFT_FILE);
  if (onDisk !== policy) {
    steps.push(
      fileStep(
        'docker.nft-file',
        finding,
        NFT_FILE,
        onDisk,
        policy,
        `Write ${NFT_FILE}: table ${NFT_FAMILY} ${NFT_TABLE}, a forward-hook chain that runs before Docker's and drops new connections to published container ports, except from private ranges, the tailnet and on 80/443.`,
      ),
    );
  }
  if (systemd) {
    const unit = unitText(finding);
    const current = readFile(NFT_UNIT_PATH);
    if (current !== unit)
      steps.push(
        fileStep(
          'docker.nft-unit',
          finding,
          NFT_UNIT_PATH,
          current,
          unit,
          `Add ${NFT_UNIT}, which loads ${NFT_FILE} at every boot, after nftables.service and before Docker.`,
        ),
      );
  } else {
    notes.push(
      `PID 1 is not systemd: nothing here will load ${NFT_FILE} at boot; have your init run \`nft -f ${NFT_FILE}\` after any \`flush ruleset\` and before Docker starts.`,
    );
  }
  const loaded = hasPolicyTable(ctx.snapshot);
  if (!loaded) {
    const load: CommandStep = {
      id: 'docker.nft-load',
      finding,
      guide: GUIDE.docker,
      kind: 'command',
      description: `Load ${NFT_FILE} now (nft -f): from here on the internet no longer reaches published container ports past UFW.`,
      argv: ['nft', '-f', NFT_FILE],
      undoArgv: [NFT_UNDO_ARGV],
      undo: `nft delete table ${NFT_FAMILY} ${NFT_TABLE}`,
    };
    steps.push(load);
  }
  if (systemd && readFile(NFT_UNIT_LINK) === undefined) {
    steps.push({
      id: 'docker.nft-enable',
      finding,
      guide: GUIDE.docker,
      kind: 'command',
      description: `Enable ${NFT_UNIT}, so the table is back after a reboot.`,
      argv: ['systemctl', 'enable', NFT_UNIT],
      undoArgv: [['systemctl', 'disable', NFT_UNIT]],
      undo: `systemctl disable ${NFT_UNIT}`,
    });
  }
  if (loaded) return { steps, notes };

  // ufw's scratch-namespace rehearsal replays iptables only; this table is judged by the reach
  // model on the snapshot with the table added. Its chain sits on the forward hook, so it can
  // only cut an admin path that Docker DNATs into a container (an SSH port published by one).
  const lockout = checkLockout(ctx.snapshot, withPolicyTable(ctx.snapshot), input.admin);
  notes.push(
    `docker.nft-load is not rehearsed in a scratch namespace (the rehearsal replays ufw and iptables): the reach model judged the host with table ${NFT_FAMILY} ${NFT_TABLE} loaded: ${lockout.status}, ${lockout.reason}.`,
  );
  return { steps, notes, lockout };
}

/**
 * The "after" snapshot a caller's ufw rehearsal builds holds only the rehearsed iptables: when
 * the plan also loads our table, the lockout check must see it too.
 */
export function withPlannedTable(snapshot: Snapshot, plan: Plan): Snapshot {
  return plan.steps.some((s) => s.id === 'docker.nft-load') ? withPolicyTable(snapshot) : snapshot;
}
