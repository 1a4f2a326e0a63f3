import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RefusedError } from '../../errors.js';
import { readUntrusted } from '../../safe-fs/read.js';
import { absentTarget, replaceChecked, targetFrom, type TargetBefore, type Written } from '../../safe-fs/write.js';
import { fsyncDirectory, writeFileAtomic } from './atomic-write.js';
import { undoRefusal } from './undo-commands.js';

/**
 * One backup set per `clawmoat harden` apply: a directory holding a copy of every file the
 * apply touches and a journal of every action. The journal is written (atomically) BEFORE
 * each action happens and marked done after, so whatever instant the process dies at, the
 * journal names everything that may have changed and rollback can undo exactly that.
 *
 *   <stateDir>/backups/<timestamp>-<id>/journal.json
 *   <stateDir>/backups/<timestamp>-<id>/files/<action id>   original content, mode 0600
 */

export const DEFAULT_STATE_DIR = '/var/lib/clawmoat';
const JOURNAL = 'journal.json';
const FORMAT = 1;

/** `applying` until the apply ends; a set still `applying` or `rolling-back` was interrupted. */
export type SetStatus = 'applying' | 'applied' | 'confirmed' | 'rolling-back' | 'rolled-back';

/** A file action's path as it is now, against what apply left there. */
export interface FileState {
  problem?: string;
  /** Someone but root could change it (a user's home, a world-writable directory). */
  userControlled: boolean;
  exists: boolean;
  /** Still the file apply left: its inode and content. */
  left: boolean;
  /** Already the content from before apply. */
  original: boolean;
  hash?: string;
  description: string;
}

/** Progress of undoing one action; a re-run of rollback skips `done`, retries the rest. */
export interface ActionRollback {
  state: 'started' | 'done';
  error?: string;
  /**
   * A file as it was when the rollback began, before any undo command ran (restore-file.ts):
   * kept so that a rollback killed and run again judges the file by the same look.
   */
  before?: FileState;
}

interface ActionBase {
  id: number;
  /** The plan step this action belongs to, for --history. */
  step?: string;
  /** `pending`: journaled and maybe under way (the process may have died mid-action); `done`: completed. */
  state: 'pending' | 'done';
  at: string;
  rollback?: ActionRollback;
}

export interface FileAction extends ActionBase {
  kind: 'file';
  /** The real path (symlinks followed): what was written and what rollback restores. */
  path: string;
  existed: boolean;
  /** The directory holding it: rollback restores into this very directory or not at all. */
  parentDev?: string;
  parentIno?: string;
  /** Relative to the set directory; only when the file existed. */
  backup?: string;
  sha256?: string;
  /** The backup's length in bytes. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** SHA-256 of what apply is about to write, journaled before it writes. */
  planned?: string;
  plannedSize?: number;
  /**
   * The file apply left there (written by harden, or by ufw's own commands, read when apply
   * ended). Rollback restores only over this very file: a later change by anyone is kept.
   */
  written?: Written;
}

export interface CommandAction extends ActionBase {
  kind: 'command';
  run: string[];
  /** Commands that undo `run`, run in this order; rollback visits actions in reverse. */
  undo: string[][];
  /** Run the undo after rollback has restored every file (a proxy's reload), not in reverse order. */
  undoAfterFiles?: true;
}

/**
 * The filter tables as they were before the plan's first firewall command (see ruleset.ts):
 * rollback restores the chains the plan touched once the undo commands have run.
 */
export interface RulesetAction extends ActionBase {
  kind: 'ruleset';
  /** One iptables-save dump per family that could be read, relative to the set directory. */
  saves: { family: 4 | 6; backup: string; sha256: string }[];
  /** Chains besides the built-ins and ufw's own that the plan fills (DOCKER-USER). */
  chains: string[];
}

export type JournalAction = FileAction | CommandAction | RulesetAction;

export interface Journal {
  format: typeof FORMAT;
  id: string;
  createdAt: string;
  meta: Record<string, unknown>;
  status: SetStatus;
  /** Every status the set went through, oldest first. */
  statusHistory: { status: SetStatus; at: string }[];
  actions: JournalAction[];
}

/** Runs one command (argv[0] plus arguments); rejects when it fails. */
export type CommandRunner = (argv: string[]) => Promise<void>;

export interface CommandSpec {
  run: string[];
  undo: string[][];
  step?: string;
  undoAfterFiles?: boolean;
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException)?.code === code;
}

/** The option wins, then CLAWMOAT_STATE_DIR, then /var/lib/clawmoat. */
export function resolveStateDir(option?: string): string {
  return resolve(option ?? (process.env.CLAWMOAT_STATE_DIR || DEFAULT_STATE_DIR));
}

function backupsDir(stateDir: string): string {
  return join(stateDir, 'backups');
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function now(): string {
  return new Date().toISOString();
}

export class BackupSet {
  /** Journal writes are chained so concurrent callers never write an older journal over a newer one. */
  private writes: Promise<void> = Promise.resolve();
  private nextId: number;
  /** What recordFile last verified at each file action's path: where writeFile may write. */
  private readonly targets = new Map<number, TargetBefore>();

  private constructor(
    readonly dir: string,
    private data: Journal,
  ) {
    this.nextId = data.actions.reduce((max, a) => Math.max(max, a.id), 0) + 1;
  }

  /** For openBackupSet, which gives the set its directory; callers use openBackupSet. */
  static async create(dir: string, journal: Journal): Promise<BackupSet> {
    const set = new BackupSet(dir, journal);
    await set.persist();
    return set;
  }

  static async load(dir: string): Promise<BackupSet> {
    const path = join(dir, JOURNAL);
    const journal = JSON.parse(await readFile(path, 'utf8')) as Journal;
    if (journal?.format !== FORMAT || !Array.isArray(journal.actions))
      throw new Error(`${path}: not a clawmoat backup journal (format ${String(journal?.format)})`);
    return new BackupSet(resolve(dir), journal);
  }

  /** Re-read the journal: another process (the dead-man watcher, a manual rollback) may have changed it. */
  async reload(): Promise<void> {
    await this.writes;
    this.data = (await BackupSet.load(this.dir)).data;
    this.nextId = this.data.actions.reduce((max, a) => Math.max(max, a.id), 0) + 1;
  }

  get id(): string {
    return this.data.id;
  }

  get status(): SetStatus {
    return this.data.status;
  }

  /** A copy: callers read it, only the set's methods change it. */
  get journal(): Journal {
    return structuredClone(this.data);
  }

  backupPath(action: FileAction): string | undefined {
    return action.backup ? join(this.dir, action.backup) : undefined;
  }

  private persist(): Promise<void> {
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    const next = this.writes.then(() => writeFileAtomic(join(this.dir, JOURNAL), text, { mode: 0o600 }));
    // Keep the chain alive after a failure; the failing caller still sees the error.
    this.writes = next.catch(() => undefined);
    return next;
  }

  private action(id: number): JournalAction {
    const action = this.data.actions.find((a) => a.id === id);
    if (!action) throw new Error(`backup set ${this.id}: no action ${id}`);
    return action;
  }

  /**
   * Back a file up before it is touched: copy its content (or note that it does not exist)
   * and journal "about to write". Call it before every write; a path recorded earlier in
   * this set returns the first record, whose backup holds the original. When `before` is
   * given (what the plan read), the file must still be exactly that, or nothing is recorded.
   */
  async recordFile(path: string, options: { step?: string; before?: TargetBefore } = {}): Promise<number> {
    const read = await readUntrusted(path);
    if (!read.ok && read.reason !== 'not-found') throw new RefusedError(`refused: ${read.detail}`);
    const target = read.ok ? targetFrom(read.identity) : absentTarget(path);
    if ('error' in target) throw new RefusedError(`refused: ${target.error}`);
    const before = options.before;
    if (before) {
      const same =
        before.real === target.real &&
        before.parentDev === target.parentDev &&
        before.parentIno === target.parentIno &&
        before.file?.dev === target.file?.dev &&
        before.file?.ino === target.file?.ino &&
        before.file?.sha256 === target.file?.sha256;
      if (!same)
        throw new RefusedError(
          `refused: ${path} is not the file the plan read (it was ${target.file ? 'changed or replaced' : 'removed'} after the plan); nothing was written: run clawmoat harden again`,
        );
    }
    const earlier = this.data.actions.find((a) => a.kind === 'file' && a.path === target.real);
    if (earlier) {
      this.targets.set(earlier.id, target);
      return earlier.id;
    }
    const id = this.nextId++;
    this.targets.set(id, target);
    const where = { path: target.real, parentDev: target.parentDev, parentIno: target.parentIno };
    let action: FileAction;
    if (read.ok) {
      const backup = join('files', String(id));
      // The copy is durable before the journal mentions it: a journal entry never points at a missing backup.
      await writeFileAtomic(join(this.dir, backup), read.data, { mode: 0o600 });
      const { mode, uid, gid, sha256: hash } = read.identity;
      action = { id, kind: 'file', ...where, existed: true, backup, sha256: hash, size: read.data.length, mode, uid, gid, state: 'pending', at: now() };
    } else {
      action = { id, kind: 'file', ...where, existed: false, state: 'pending', at: now() };
    }
    if (options.step) action.step = options.step;
    this.data.actions.push(action);
    await this.persist();
    return id;
  }

  /**
   * Keep the filter tables as they are now (`saves`: family → iptables-save output) before
   * the first firewall command; the dumps are durable before the journal mentions them.
   */
  async recordRuleset(saves: { family: 4 | 6; text: string }[], chains: string[], options: { step?: string } = {}): Promise<number> {
    const id = this.nextId++;
    const entries: RulesetAction['saves'] = [];
    for (const { family, text } of saves) {
      const backup = join('files', `${id}.v${family}`);
      await writeFileAtomic(join(this.dir, backup), text, { mode: 0o600 });
      entries.push({ family, backup, sha256: sha256(Buffer.from(text)) });
    }
    const action: RulesetAction = { id, kind: 'ruleset', saves: entries, chains: [...chains], state: 'done', at: now() };
    if (options.step) action.step = options.step;
    this.data.actions.push(action);
    await this.persist();
    return id;
  }

  /** Journal "about to run `run` (undo: `undo`)"; call it before running the command. */
  async recordCommand(spec: CommandSpec): Promise<number> {
    if (spec.run.length === 0) throw new Error('recordCommand: empty command');
    const refused = spec.undo.map(undoRefusal).find(Boolean);
    if (refused) throw new Error(`recordCommand: ${refused}`);
    const id = this.nextId++;
    const action: CommandAction = { id, kind: 'command', run: [...spec.run], undo: spec.undo.map((u) => [...u]), state: 'pending', at: now() };
    if (spec.step) action.step = spec.step;
    if (spec.undoAfterFiles) action.undoAfterFiles = true;
    this.data.actions.push(action);
    await this.persist();
    return id;
  }

  async markDone(id: number): Promise<void> {
    const action = this.action(id);
    if (action.state === 'done') return;
    action.state = 'done';
    await this.persist();
  }

  /** Record rollback progress on one action (used by rollback). */
  async markRollback(id: number, progress: ActionRollback): Promise<void> {
    this.action(id).rollback = { ...progress };
    await this.persist();
  }

  async finish(status: SetStatus): Promise<void> {
    if (this.data.status === status) return;
    this.data.status = status;
    this.data.statusHistory.push({ status, at: now() });
    await this.persist();
  }

  /**
   * Back up, write, mark done: the whole journaled file step. The write lands only on the
   * file and directory the backup was taken of (safe-fs/write.ts), keeping its owner and mode.
   */
  async writeFile(
    path: string,
    content: string | Uint8Array,
    options: { step?: string; before?: TargetBefore; mode?: number; uid?: number; gid?: number } = {},
  ): Promise<void> {
    const id = await this.recordFile(path, { ...(options.step ? { step: options.step } : {}), ...(options.before ? { before: options.before } : {}) });
    const action = this.action(id) as FileAction;
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    action.planned = sha256(bytes);
    action.plannedSize = bytes.length;
    await this.persist();
    // A file that existed keeps its owner and mode; a new one gets what the caller asks for.
    const uid = options.uid ?? action.uid;
    const owner = { mode: options.mode ?? action.mode ?? 0o644, ...(uid !== undefined ? { uid, gid: options.gid ?? action.gid ?? uid } : {}) };
    action.written = await replaceChecked(path, this.targets.get(id)!, content, owner);
    action.state = 'done';
    await this.persist();
  }

  /**
   * When apply ends: note what every recorded file now is (ufw's own commands rewrote some),
   * so a rollback can tell what apply left from what someone changed afterwards.
   */
  async sealFiles(): Promise<void> {
    for (const action of this.data.actions) {
      if (action.kind !== 'file' || action.written) continue;
      const read = await readUntrusted(action.path);
      if (read.ok) action.written = { dev: read.identity.dev, ino: read.identity.ino, sha256: read.identity.sha256, size: read.data.length };
    }
    await this.persist();
  }

  /** Journal, run, mark done: the whole journaled command step. A failing command stays `pending`, so rollback undoes it. */
  async runCommand(spec: CommandSpec, runner: CommandRunner): Promise<void> {
    const id = await this.recordCommand(spec);
    await runner(spec.run);
    await this.markDone(id);
  }
}

function timestampForName(date: Date): string {
  // Colons are awkward in paths; the ISO order still sorts lexically by time.
  return date.toISOString().replace(/:/g, '-');
}

/** Start a new backup set. It appears under its final name only once its journal is on disk. */
export async function openBackupSet(stateDir: string, meta: Record<string, unknown> = {}): Promise<BackupSet> {
  const parent = backupsDir(resolve(stateDir));
  // 0700: backups hold copies of configs with tokens in them.
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const created = new Date();
  const id = randomBytes(4).toString('hex');
  const name = `${timestampForName(created)}-${id}`;
  const partial = join(parent, `.${name}.partial`);
  await mkdir(join(partial, 'files'), { recursive: true, mode: 0o700 });
  const at = created.toISOString();
  await BackupSet.create(partial, {
    format: FORMAT,
    id,
    createdAt: at,
    meta: structuredClone(meta),
    status: 'applying',
    statusHistory: [{ status: 'applying', at }],
    actions: [],
  });
  const dir = join(parent, name);
  await rename(partial, dir);
  await fsyncDirectory(parent);
  return BackupSet.load(dir);
}

export interface BackupSetSummary {
  id: string;
  dir: string;
  createdAt?: string;
  /** `unreadable` when journal.json cannot be read; `error` says why. */
  status: SetStatus | 'unreadable';
  meta?: Record<string, unknown>;
  files: number;
  commands: number;
  error?: string;
}

const SET_NAME = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-([0-9a-f]+)$/;

/** Every backup set under stateDir, newest first. */
export async function listBackupSets(stateDir: string): Promise<BackupSetSummary[]> {
  const parent = backupsDir(resolve(stateDir));
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const summaries: BackupSetSummary[] = [];
  for (const name of names
    .filter((n) => SET_NAME.test(n))
    .sort()
    .reverse()) {
    const dir = join(parent, name);
    try {
      const { journal } = await BackupSet.load(dir);
      summaries.push({
        id: journal.id,
        dir,
        createdAt: journal.createdAt,
        status: journal.status,
        meta: journal.meta,
        files: journal.actions.filter((a) => a.kind === 'file').length,
        commands: journal.actions.filter((a) => a.kind === 'command').length,
      });
    } catch (error) {
      summaries.push({ id: SET_NAME.exec(name)![1]!, dir, status: 'unreadable', files: 0, commands: 0, error: (error as Error).message });
    }
  }
  return summaries;
}

/**
 * The newest set, loaded. An unreadable newest set is an error, not a reason to fall back
 * to an older one: rolling back the wrong apply would be worse than stopping.
 */
export async function latestBackupSet(stateDir: string): Promise<BackupSet | undefined> {
  const [latest] = await listBackupSets(stateDir);
  if (!latest) return undefined;
  if (latest.status === 'unreadable') throw new Error(`latest backup set ${latest.dir} is unreadable: ${latest.error ?? 'unknown error'}`);
  return BackupSet.load(latest.dir);
}

/**
 * How many backup sets are kept. Each holds copies of the files it replaced (old tokens
 * among them), so they are not kept forever; ten covers any sane run of applies to undo.
 */
export const KEEP_BACKUP_SETS = 10;

const FINISHED: ReadonlySet<BackupSetSummary['status']> = new Set(['confirmed', 'rolled-back']);

/**
 * Remove finished sets beyond the newest KEEP_BACKUP_SETS. A set still applying, waiting for
 * its confirmation or half rolled back is never removed, nor one whose journal cannot be read
 * (it may be the only record of what to undo). Returns the ids removed.
 */
export async function pruneBackupSets(stateDir: string, keep = KEEP_BACKUP_SETS): Promise<string[]> {
  const sets = await listBackupSets(stateDir);
  const removed: string[] = [];
  for (const set of sets.slice(keep)) {
    if (!FINISHED.has(set.status)) continue;
    await rm(set.dir, { recursive: true, force: true });
    removed.push(set.id);
  }
  return removed;
}
