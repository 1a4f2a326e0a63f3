import type { Collected, DockerState, Snapshot, Unavailable } from '../snapshot/types.js';
import type { ComposeModel } from './compose/types.js';
import { shellWordOr } from './shell-word.js';
import { unreadLegacyTables } from './legacy-tables.js';
import { tailscaledSeen } from './tailscale/facts.js';

/**
 * The inputs a check can rest on, and what could not be read of each. A check declares
 * the inputs it depends on (`meta.inputs`); the runner turns its `pass` into `unknown`
 * whenever one of them has a problem, so no check can pass on what was not read.
 */
export const INPUT_IDS = ['sockets', 'network', 'netfilter', 'ufw', 'docker', 'compose', 'tailscale', 'sshd', 'openclaw', 'doors', 'probe'] as const;
export type InputId = (typeof INPUT_IDS)[number];

/** One thing that was named or looked for but could not be read, parsed or fully seen. */
export interface InputProblem {
  input: InputId;
  /** The file or command, e.g. "/etc/ufw/user.rules" or "iptables-save". */
  source: string;
  /** 1-based line in `source`, when the problem is at a place in it. */
  line?: number;
  /** What happened, in one line. */
  detail: string;
  /** What to do about it, in one line. */
  advice: string;
}

export type InputProblems = Record<InputId, InputProblem[]>;

/** "detail (source:line); advice" — the line a report prints as a limitation. */
export function describeProblem(p: InputProblem): string {
  // A collector's detail may already say "(run as root to read it)": the advice says it with the file.
  const detail = p.advice.startsWith('run as root') ? p.detail.replace(/\s*\(run as root to read it\)/, '') : p.detail;
  const where = p.line !== undefined ? ` (${p.source}:${p.line})` : p.detail.includes(p.source) ? '' : ` (${p.source})`;
  return `${detail}${where}; ${p.advice}`;
}

/**
 * A file named in advice: advice becomes a fix step (checks/helpers.ts), offered to paste, so the
 * name is one quoted shell word, or a pointer to the evidence when it cannot be shown on one line.
 */
function named(file: string): string {
  return shellWordOr(file, 'the file named in the evidence');
}

function advice(path: string, u: Pick<Unavailable, 'reason'>): string {
  const source = named(path);
  switch (u.reason) {
    case 'permission-denied':
      return `run as root to read ${source}`;
    case 'not-found':
      return `check that ${source} exists, or stop naming it`;
    case 'timeout':
      return `run the audit again; if ${source} keeps timing out, collect on the host with more time`;
    default:
      return `fix what stops ${source} from being read, then run the audit again`;
  }
}

/** A fact about the host (not installed, not running) is not a problem; anything else is. */
function isProblem(c: Collected<unknown>, facts: readonly Unavailable['reason'][] = ['not-installed', 'not-running']): c is Unavailable {
  return c.status === 'unavailable' && !facts.includes(c.reason);
}

function problemOf(input: InputId, source: string, c: Collected<unknown>, facts?: readonly Unavailable['reason'][]): InputProblem[] {
  return isProblem(c, facts) ? [{ input, source, detail: c.detail, advice: advice(source, c) }] : [];
}

function composeProblems(snapshot: Snapshot, models: readonly ComposeModel[], projects: readonly ComposeModel[]): InputProblem[] {
  const out: InputProblem[] = [];
  for (const file of snapshot.compose) {
    if (file.content.status !== 'ok') {
      // A compose file that was named or found but could not be read is never a fact about the host.
      out.push({ input: 'compose', source: file.path, detail: file.content.detail, advice: advice(file.path, file.content) });
    }
  }
  for (const model of models) {
    if (!model.error) continue;
    out.push({
      input: 'compose',
      source: model.path,
      line: model.error.line,
      detail: `${model.path} cannot be parsed: ${model.error.message}`,
      advice: `fix line ${model.error.line} (\`docker compose config\` shows the same error)`,
    });
  }
  for (const project of projects) {
    for (const u of project.unresolved ?? []) {
      const file = u.file ?? project.path;
      out.push({
        input: 'compose',
        source: file,
        ...(u.line !== undefined ? { line: u.line } : {}),
        detail: `${file} is not fully read: ${u.message}`,
        advice: 'check what it pulls in by hand, or audit the output of `docker compose config` saved to a file (--compose)',
      });
    }
  }
  return out;
}

function ufwProblems(snapshot: Snapshot): InputProblem[] {
  const ufw = snapshot.ufw;
  if (ufw.status !== 'ok') return problemOf('ufw', 'ufw', ufw);
  const out: InputProblem[] = [];
  for (const u of ufw.data.files.unreadable ?? []) out.push({ input: 'ufw', source: u.path, detail: u.detail, advice: advice(u.path, u) });
  for (const [name, file] of Object.entries(ufw.data.files.ruleFiles)) {
    // ufw creates the rule files it needs; a missing one holds no rules.
    out.push(...problemOf('ufw', `/etc/ufw/${name}`, file, ['not-installed', 'not-running', 'not-found']));
  }
  return out;
}

function openclawProblems(snapshot: Snapshot): InputProblem[] {
  const oc = snapshot.openclaw;
  const out: InputProblem[] = [];
  const config = oc.config;
  if (config.status === 'invalid') {
    const { file, line, message } = config.error;
    out.push({
      input: 'openclaw',
      source: file,
      ...(line !== undefined ? { line } : {}),
      detail: `OpenClaw config ${file} cannot be read: ${message}`,
      advice: `fix ${named(file)}${line !== undefined ? ` at line ${line}` : ''}; the gateway refuses to start with it too`,
    });
  } else if (config.status === 'unavailable') {
    // Not finding a config where OpenClaw looks is a fact (the defaults apply); anything else is not.
    out.push(...problemOf('openclaw', oc.configCandidates[0] ?? 'the OpenClaw config', config, ['not-installed', 'not-running', 'not-found']));
  }
  if (config.status === 'ok') {
    // OpenClaw throws MissingEnvVarError for an unset ${VAR}: what the file says is not what would run.
    const env =
      oc.processes[0] && oc.processes[0].env.status === 'ok'
        ? `the environment of gateway pid ${oc.processes[0].pid}`
        : "clawmoat's own environment (no gateway's environment could be read)";
    for (const [key, names] of Object.entries(config.data.unset ?? {})) {
      const at = config.data.locations[key];
      const list = names.map((n) => `\${${n}}`).join(', ');
      out.push({
        input: 'openclaw',
        source: at?.file ?? config.data.path,
        ...(at ? { line: at.line } : {}),
        detail: `${key} uses ${list}, not set in ${env}: OpenClaw refuses to load a config with an unset variable, so the gateway will not start with it`,
        advice: `set ${names.join(', ')} where the gateway runs (its service environment or ~/.openclaw/.env), or audit as the gateway's user so its environment is read`,
      });
    }
  }
  for (const p of oc.processes) out.push(...problemOf('openclaw', `/proc/${p.pid}/environ`, p.env));
  if (oc.configFor && oc.configDisagrees?.length) {
    const { pid, listening } = oc.configFor;
    const others = oc.configDisagrees.join(', ');
    out.push({
      input: 'openclaw',
      source: `/proc/${pid}/environ`,
      detail:
        `gateway processes disagree on their config or flags: they were read from pid ${pid}` +
        `${listening ? ' (holding a listening socket)' : ''}, and pid(s) ${others}${listening ? ', also listening,' : ''} run with another environment, home, directory or flags`,
      advice: `stop the gateway processes you do not run (${others}), or audit each one's config with --openclaw-config`,
    });
  }
  for (const u of oc.uncounted ?? []) {
    out.push({
      input: 'openclaw',
      source: `/proc/${u.pid}/ns/net`,
      detail: `gateway-like process ${u.pid} was not counted: ${u.detail}`,
      advice: `run as root to see whether pid ${u.pid} is a gateway in this network namespace`,
    });
  }
  return out;
}

/**
 * Tailscale's state. "Not installed" or "not running" is a fact only when nothing shows tailscaled
 * running: a tailnet interface up with no CLI on PATH (a container with host networking, a snap or
 * /opt install, a --socket elsewhere) means its Serve/Funnel config, which can hand the internet
 * to a loopback gateway, was not read.
 */
function tailscaleProblems(snapshot: Snapshot): InputProblem[] {
  const ts = snapshot.tailscale;
  const read = ts.status === 'ok' ? ts.data.status : ts;
  const seen = tailscaledSeen(snapshot);
  if (read.status !== 'ok' && (read.reason === 'not-installed' || read.reason === 'not-running') && seen)
    return [
      {
        input: 'tailscale',
        source: ts.status === 'ok' ? 'tailscale status' : 'tailscale',
        detail: `${read.detail}, yet tailscaled runs (${seen}): its Serve and Funnel config was not read`,
        advice: 'run `tailscale serve status` where tailscaled runs (e.g. `docker exec NAME tailscale serve status`), or audit with its CLI on PATH',
      },
    ];
  if (ts.status !== 'ok') return problemOf('tailscale', 'tailscale', ts);
  return [...problemOf('tailscale', 'tailscale status', ts.data.status), ...problemOf('tailscale', 'tailscale serve status', ts.data.serve)];
}

/** What the Docker collector listed but could not read: a partial state is never "no container". */
function dockerProblems(docker: DockerState): InputProblem[] {
  const out: InputProblem[] = (docker.uninspected ?? []).map((c) => ({
    input: 'docker' as const,
    source: `/containers/${c.id}/json`,
    detail: `container ${c.name || c.id.slice(0, 12)} (${c.id.slice(0, 12)}) could not be inspected: ${c.detail}`,
    advice: 'run the audit again; if it keeps failing, check the container with `docker inspect`',
  }));
  if (docker.networksUnread !== undefined)
    out.push({
      input: 'docker',
      source: '/networks',
      detail: `Docker's networks could not be read: ${docker.networksUnread}`,
      advice: 'run the audit again; if it keeps failing, check `docker network ls`',
    });
  return out;
}

/** A snapshot with no `doors` section: nothing was read of reverse proxies, forwarders or tunnels. */
export const MISSING_DOORS: InputProblem = {
  input: 'doors',
  source: 'the snapshot',
  detail: 'this snapshot has no doors section: it was collected by a clawmoat that did not read reverse proxies, forwarders and tunnels',
  advice: 'collect it again with this version of clawmoat (`clawmoat collect`)',
};

/** What could not be read of a reverse proxy, forwarder or tunnel: every cell it could decide is unknown. */
function doorProblems(snapshot: Snapshot): InputProblem[] {
  const doors = snapshot.doors;
  // Absent is not "no doors": the snapshot was taken by a clawmoat that did not read them yet.
  if (!doors) return [MISSING_DOORS];
  if (doors.status !== 'ok') return problemOf('doors', 'the process table', doors);
  return doors.data.problems.map((p) => ({
    input: 'doors' as const,
    source: p.source,
    ...(p.line !== undefined ? { line: p.line } : {}),
    detail: p.detail,
    advice: p.tunnel
      ? 'check by hand where this tunnel sends connections and who its far end admits'
      : `fix ${named(p.source)}${p.line !== undefined ? ` at line ${p.line}` : ''} (or run as root so it can be read); until then every cell this program decides is unknown`,
  }));
}

/**
 * Every problem of every input, read from the snapshot and the compose files: `composeFiles`
 * one model per file as parsed, `composeProjects` the merged projects. Pure.
 */
export function inputProblems(snapshot: Snapshot, composeFiles: readonly ComposeModel[], composeProjects: readonly ComposeModel[]): InputProblems {
  const nf = snapshot.netfilter;
  const net = snapshot.network;
  const sshd = snapshot.sshd;
  const ts = snapshot.tailscale;
  const docker = snapshot.docker;
  return {
    sockets: problemOf('sockets', 'ss', snapshot.sockets, []),
    network: [
      ...problemOf('network', 'ip address', net.interfaces, []),
      ...problemOf('network', 'ip route', net.routes, []),
      ...problemOf('network', 'sysctl', net.sysctl, []),
    ],
    netfilter: [
      ...problemOf('netfilter', 'iptables-save', nf.iptablesSave),
      ...problemOf('netfilter', 'ip6tables-save', nf.ip6tablesSave),
      // Present only when legacy tables are loaded: not installed is then a missing input, not a fact.
      ...unreadLegacyTables(nf).map((u): InputProblem => ({ input: 'netfilter', source: u.source, detail: u.detail, advice: u.advice })),
      ...problemOf('netfilter', 'nft list ruleset', nf.nftRuleset),
    ],
    ufw: ufwProblems(snapshot),
    docker: docker.status === 'ok' ? dockerProblems(docker.data) : problemOf('docker', 'the Docker Engine API', docker),
    compose: composeProblems(snapshot, composeFiles, composeProjects),
    tailscale: tailscaleProblems(snapshot),
    sshd:
      sshd.status === 'ok'
        ? problemOf('sshd', sshd.data.source === 'config-files' ? (sshd.data.configFile ?? '/etc/ssh/sshd_config') : 'sshd -T', sshd.data.effective)
        : problemOf('sshd', 'sshd', sshd),
    openclaw: openclawProblems(snapshot),
    doors: doorProblems(snapshot),
    probe: [],
  };
}
