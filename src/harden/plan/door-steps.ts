import { adviceLine } from '../../checks/door-advice.js';
import type { DoorBindIntent, DoorListenRef, DoorRef } from '../../checks/fix-intents.js';
import type { Finding } from '../../checks/types.js';
import type { AnalysisContext } from '../../model/context.js';
import { describeDoor, describeLocation, doorName } from '../../model/doors.js';
import { hostPort, isWildcard, parseAddress } from '../../model/addresses.js';
import type { SourceLocation } from '../../snapshot/types.js';
import type { DoorRuntime } from '../door-runtime.js';
import { bindCaddySite } from '../edit/caddyfile-bind.js';
import { bindCaddyJson } from '../edit/caddy-json-listen.js';
import { moveNginxListens } from '../edit/nginx-listen.js';
import { nginxOptions } from '../nginx-options.js';
import { undoRefusal } from '../state/undo-commands.js';
import type { CommandStep, FileStep, Step } from '../types.js';
import { fileDiff } from './file-diff.js';
import { intentsOf } from './intents.js';

/**
 * Doors, from the fix intents their checks return (checks/fix-intents.ts): a reverse proxy's
 * public listeners moved to loopback (or the tailnet address) in the file and line its config
 * names, then the program's own check (`nginx -t`, `caddy validate`) and its own reload. A
 * failed check fails the apply before any reload, and rollback restores the file and reloads
 * again (`undoAfterFiles`). An outbound tunnel is explained, never edited. What cannot be
 * changed safely (a config someone but root could write, a generated file, a directive clawmoat
 * cannot rewrite word for word) is said, with the manual fix the check gave.
 */

export interface DoorPlanOptions {
  remote: 'loopback' | 'tailnet';
  readFile: (path: string) => string | undefined;
  /** How the door's program runs now (door-runtime.ts); absent when planning from a snapshot file. */
  runtime?: (door: DoorRef) => DoorRuntime;
  /** Why root must not write this config file, or undefined when only root can change it; without it no door is changed. */
  refusal?: (path: string) => string | undefined;
}

interface Planned {
  intent: DoorBindIntent;
  finding: Finding;
  listens: DoorListenRef[];
}

const doorKey = (d: DoorRef) => `${d.kind}\0${d.pid ?? ''}\0${d.location?.file ?? d.via}`;
const listenKey = (l: DoorListenRef) => (l.location ? describeLocation(l.location) : hostPort(l.address, l.port));

/** A file that says it is made by something else: editing it is undone by the next run of its maker. */
const GENERATED = /\b(generated|do not edit|managed by (?:ansible|puppet|chef|salt|terraform))\b/i;

function tailnetV4(ctx: AnalysisContext): string | undefined {
  const name = ctx.reach().zones.find((z) => z.kind === 'tailnet')?.interface;
  const ifaces = ctx.snapshot.network.interfaces.status === 'ok' ? ctx.snapshot.network.interfaces.data : [];
  return ifaces.find((i) => i.name === name)?.addresses.find((a) => parseAddress(a.address)?.kind() === 'ipv4')?.address;
}

function manualNote(p: Planned, why: string): string {
  const door = describeDoor(p.intent.door);
  return `${door}: not changed automatically: ${why}. By hand: ${p.finding.remediation.steps.join('; ') || p.finding.remediation.summary}`;
}

/** Bind intents merged per door (one finding per zone and listener names the same door). */
function mergeIntents(findings: readonly Finding[]): Planned[] {
  const out = new Map<string, Planned>();
  for (const { finding, intent } of intentsOf(
    findings.filter((f) => f.status === 'fail'),
    'door.bind-private',
  )) {
    const key = doorKey(intent.door);
    const planned = out.get(key) ?? { intent, finding, listens: [] };
    for (const l of intent.listens) if (!planned.listens.some((x) => listenKey(x) === listenKey(l))) planned.listens.push(l);
    out.set(key, planned);
  }
  return [...out.values()];
}

/** Every file the door's listeners are written in, edited; or why not. */
function editFiles(
  p: Planned,
  options: DoorPlanOptions,
  edit: (text: string, listens: DoorListenRef[]) => { text: string } | { error: string },
  files: Map<string, DoorListenRef[]>,
): { path: string; before: string; after: string; at: SourceLocation[] }[] | { error: string } {
  const out: { path: string; before: string; after: string; at: SourceLocation[] }[] = [];
  for (const [path, listens] of files) {
    const refused = options.refusal?.(path);
    if (refused) return { error: `${refused}: a proxy config the gateway's user could write is not written through as root` };
    const before = options.readFile(path);
    if (before === undefined) return { error: `${path} could not be read` };
    const head = before.split('\n').slice(0, 5).join('\n');
    if (GENERATED.test(head)) return { error: `${path} says it is generated ("${GENERATED.exec(head)![0]}"): change what generates it` };
    const edited = edit(before, listens);
    if ('error' in edited) return { error: `${path}: ${edited.error}` };
    out.push({ path, before, after: edited.text, at: listens.flatMap((l) => (l.location ? [l.location] : [])) });
  }
  return out;
}

function commandStep(id: string, finding: Finding, description: string, argv: string[], undoArgv: string[][], undo: string, at: SourceLocation[]): CommandStep {
  const step: CommandStep = { id, finding: finding.id, guide: finding.guide, kind: 'command', description, argv, undoArgv, undo, at };
  if (undoArgv.length > 0) step.undoAfterFiles = true;
  return step;
}

function planOne(ctx: AnalysisContext, p: Planned, n: number, options: DoorPlanOptions): { steps: Step[]; note?: string } {
  const { door } = p.intent;
  if (!options.runtime) return { steps: [], note: manualNote(p, 'harden plans door changes on the live host, not from a snapshot file') };
  // Every file root's commands would read or write is judged first: with no judge, no command.
  if (!options.refusal) return { steps: [], note: manualNote(p, 'harden was not told who may change the proxy config files, so it changes none') };
  const runtime = options.runtime(door);
  if ('error' in runtime) return { steps: [], note: manualNote(p, runtime.error) };
  const v4 = options.remote === 'tailnet' ? tailnetV4(ctx) : '127.0.0.1';
  if (!v4) return { steps: [], note: manualNote(p, '--remote tailnet: this host has no tailnet IPv4 address') };
  const suffix = n > 1 ? `-${n}` : '';
  const name = doorName(door.kind);
  const from = p.listens.map((l) => hostPort(l.address, l.port)).join(', ');
  const files = new Map<string, DoorListenRef[]>();
  let edits: ReturnType<typeof editFiles>;
  let check: string[];
  let reload: string[];
  let restart = false;
  if (runtime.kind === 'nginx') {
    const unplaced = p.listens.find((l) => !l.location);
    if (unplaced) return { steps: [], note: manualNote(p, `no listen directive names ${hostPort(unplaced.address, unplaced.port)}`) };
    for (const l of p.listens) files.set(l.location!.file, [...(files.get(l.location!.file) ?? []), l]);
    // nginx -t and its reload run as root with the master's own options: each must be on the
    // allow list root's commands share, and each file they name root's alone (nginx -t reads the
    // whole tree from the main file and opens the error log; a reload signals the pid in the pid file).
    const named = nginxOptions(runtime.args);
    if ('error' in named) return { steps: [], note: manualNote(p, `nginx (pid ${door.pid}): ${named.error}; not run as root by clawmoat`) };
    const mainRefused = options.refusal?.(runtime.conf);
    if (mainRefused) return { steps: [], note: manualNote(p, `${mainRefused}: nginx -t would read it as root`) };
    for (const { option, path } of named.paths) {
      const refused = options.refusal?.(path);
      if (refused) return { steps: [], note: manualNote(p, `${refused} (the master's ${option}): nginx -t and its reload would open it as root`) };
    }
    // A reload opens the new sockets while the old ones are still held, and the kernel will not
    // bind 127.0.0.1:443 beside a listening *:443 (nginx logs "Address already in use" and keeps
    // the old config): moving a wildcard listener takes a restart.
    const wildcard = p.listens.filter((l) => isWildcard(l.address));
    if (wildcard.length > 0 && !runtime.unit)
      return {
        steps: [],
        note: manualNote(
          p,
          `it listens on ${wildcard.map((l) => hostPort(l.address, l.port)).join(', ')}: a reload cannot give up a wildcard socket, so this takes a restart, and this nginx (pid ${door.pid}) is not a systemd unit clawmoat could restart`,
        ),
      };
    restart = wildcard.length > 0;
    edits = editFiles(
      p,
      options,
      (text, listens) =>
        moveNginxListens(
          text,
          listens.map((l) => ({ line: l.location!.line, address: l.address, port: l.port })),
          { v4, v6: '::1' },
        ),
      files,
    );
    check = ['nginx', '-t', ...runtime.args];
    reload = runtime.unit ? ['systemctl', restart ? 'restart' : 'reload', runtime.unit] : ['nginx', '-s', 'reload', ...runtime.args];
  } else {
    if (runtime.adapter !== 'caddyfile' && runtime.adapter !== 'json')
      return { steps: [], note: manualNote(p, `caddy runs its config through the ${runtime.adapter} adapter (${runtime.config}): bind it to ${v4} by hand`) };
    if (!door.location || door.location.file !== runtime.config)
      return { steps: [], note: manualNote(p, `the reverse_proxy line is not in ${runtime.config} itself (an import)`) };
    files.set(runtime.config, p.listens);
    const dial = door.via.replace(/^reverse_proxy\s+/, '');
    // The config is read once, by editFiles, after the checks that refuse a file root must not read.
    edits = editFiles(
      p,
      options,
      (t) => {
        if (/^\s*admin\s+off\b/m.test(t)) return { error: "it turns Caddy's admin API off, so Caddy cannot be reloaded: add the bind and restart Caddy" };
        if (runtime.adapter === 'json' && /"admin"\s*:\s*\{[^}]*"disabled"\s*:\s*true/.test(t))
          return { error: "it turns Caddy's admin API off, so Caddy cannot be reloaded: change the listen and restart Caddy" };
        // A Caddyfile: `bind` in the site block; a JSON config: the server's listen list.
        const bound = runtime.adapter === 'json' ? bindCaddyJson(t, dial, { v4, v6: '::1' }) : bindCaddySite(t, door.location!.line, [v4]);
        return 'error' in bound ? bound : { text: bound.text };
      },
      files,
    );
    check = ['caddy', 'validate', '--config', runtime.config, '--adapter', runtime.adapter];
    reload = runtime.unit ? ['systemctl', 'reload', runtime.unit] : ['caddy', 'reload', '--config', runtime.config, '--adapter', runtime.adapter];
  }
  if ('error' in edits) return { steps: [], note: manualNote(p, edits.error) };
  const refusedReload = undoRefusal(reload);
  if (refusedReload) return { steps: [], note: manualNote(p, `its reload could not be undone safely (${refusedReload})`) };
  const at = edits.flatMap((e) => (e.at.length > 0 ? e.at : [{ file: e.path, line: door.location?.line ?? 1 }]));
  const where = at.map(describeLocation).join(', ');
  const steps: Step[] = edits.map((e, k): FileStep => ({
    id: `door.${door.kind}.listen${suffix}${edits.length > 1 ? `-${k + 1}` : ''}`,
    finding: p.finding.id,
    guide: p.finding.guide,
    kind: 'file',
    description: `Make ${name} (pid ${door.pid}) listen on ${v4} instead of ${from}: it proxies to the gateway (${describeDoor(door)}), and those listeners are reachable beyond this host. ${runtime.kind === 'nginx' ? `listen at ${e.at.map(describeLocation).join(', ')}` : runtime.adapter === 'json' ? `the listen list of its server in ${e.path}` : `bind in the site block of ${e.path}`}.`,
    path: e.path,
    diff: fileDiff(e.path, e.before, e.after),
    content: e.after,
    undo: `restore ${e.path} from the backup set, then reload ${name}`,
    at: e.at.length > 0 ? e.at : [{ file: e.path, line: door.location?.line ?? 1 }],
  }));
  steps.push(
    commandStep(
      `door.${door.kind}.check${suffix}`,
      p.finding,
      `Check the edited config with ${name}'s own validator before anything is reloaded: if it fails, apply stops here and the file is restored.`,
      check,
      [],
      'nothing to undo (a check changes nothing)',
      at,
    ),
    commandStep(
      `door.${door.kind}.reload${suffix}`,
      p.finding,
      `${restart ? 'Restart' : 'Reload'} ${name}${runtime.unit ? ` (${runtime.unit})` : ` (pid ${door.pid})`} so it listens on ${v4} only (${where}).`,
      reload,
      [reload],
      `after the config is restored: ${reload.join(' ')}`,
      at,
    ),
  );
  // A reload or restart of a config nothing checked is what the check step is there to prevent.
  (steps[steps.length - 1] as CommandStep).checkedBy = `door.${door.kind}.check${suffix}`;
  return { steps };
}

/** Tunnels: the check's own advice, with the config file named. */
function tunnelNotes(findings: readonly Finding[]): string[] {
  const seen = new Set<string>();
  const notes: string[] = [];
  // Undecided findings too: a tunnel's advice holds whatever its far end's policy turns out to be.
  for (const { finding: f, intent: fix } of intentsOf(findings, 'door.explain-tunnel')) {
    const key = doorKey(fix.door);
    if (seen.has(key)) continue;
    seen.add(key);
    const advice = adviceLine(f.remediation);
    notes.push(
      `${describeDoor(fix.door)}${fix.door.pid !== undefined ? ` (pid ${fix.door.pid})` : ''} carries the gateway to ${fix.remote.url}${fix.remote.gate ? ` (${fix.remote.gate})` : ''}; harden changes no tunnel: ${advice}`,
    );
  }
  return notes;
}

export function planDoors(ctx: AnalysisContext, findings: readonly Finding[], options: DoorPlanOptions): { steps: Step[]; notes: string[] } {
  const steps: Step[] = [];
  const notes: string[] = [];
  const count = new Map<string, number>();
  for (const p of mergeIntents(findings)) {
    const n = (count.get(p.intent.door.kind) ?? 0) + 1;
    count.set(p.intent.door.kind, n);
    const one = planOne(ctx, p, n, options);
    steps.push(...one.steps);
    if (one.note) notes.push(one.note);
  }
  notes.push(...tunnelNotes(findings));
  return { steps, notes };
}
