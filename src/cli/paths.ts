import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { holdOutputFifo, outputRefusal, ownDescriptor } from '../safe-fs/output.js';
import { peekUntrusted } from '../safe-fs/read.js';

/**
 * Every flag that names a path is a PathOption: its role says what the file is for, and
 * {@link checkPathOptions} checks each one the user gave before a command acts. A path the
 * user named is used or refused, with one line naming it and what to do.
 */
export type PathRole =
  /** A file read whole (a snapshot, a config): a regular, readable, non-empty text file of sane size. */
  | 'input'
  /** A file written (a report): its directory exists, it is not a directory, and a FIFO there has a reader. */
  | 'output'
  /** A directory used or created (state). */
  | 'dir'
  /** An input that may be a file (checked as 'input') or a directory of them (checked as 'dir'). */
  | 'input-or-dir';

export class PathOption extends Option {
  constructor(
    flags: string,
    description: string,
    readonly role: PathRole,
    /** What the user should do instead, for an input: "pass a file written by `clawmoat collect -o`". */
    readonly hint: string,
    /** The largest input that makes sense, in bytes. */
    readonly maxBytes = 64 * 1024 * 1024,
  ) {
    super(flags, description);
  }
}

const KIND_NAMES: [keyof Stats, string][] = [
  ['isFIFO', 'a FIFO (named pipe)'],
  ['isSocket', 'a socket'],
  ['isCharacterDevice', 'a character device'],
  ['isBlockDevice', 'a block device'],
  ['isSymbolicLink', 'a symbolic link'],
];

function kindOf(stats: Stats): string {
  for (const [method, name] of KIND_NAMES) if ((stats[method] as () => boolean).call(stats)) return name;
  return 'not a regular file';
}

/** What an errno means for a path, in words. */
export function describeErrno(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'over the disk quota';
    case 'ENXIO':
      return 'a FIFO with no process reading it';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'an I/O error';
    default:
      return `cannot be used (${code ?? 'unknown error'})`;
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

const asRoot = () => (process.getuid?.() === 0 ? 'check its mode' : 'run as root (sudo) or make it readable');

function statOrFail(flag: string, path: string, todo: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return undefined;
    throw new UserError(`${path} (${flag}): ${describeErrno(code)}; ${code === 'EACCES' ? asRoot() : todo}`);
  }
}

function checkInput(option: PathOption, flag: string, path: string): void {
  const todo = option.hint;
  // What, how big, and who may read it: the readers' own checks (safe-fs), so the CLI and the
  // command never disagree, and root never reads through a path a user planted.
  const peek = peekUntrusted(path, option.maxBytes);
  if (!peek.ok) {
    if (peek.reason === 'not-found') throw new UserError(`${path} (${flag}): no such file; ${todo}`);
    if (peek.reason === 'not-regular' && peek.detail.includes('is a directory'))
      throw new UserError(`${path} (${flag}): is a directory; give a file in it; ${todo}`);
    const why = peek.detail.startsWith(path) ? peek.detail.slice(path.length).trim() : peek.detail;
    const advice = peek.reason === 'not-regular' ? `save it to a file first; ${todo}` : peek.reason === 'permission-denied' ? asRoot() : todo;
    throw new UserError(`${path} (${flag}): ${why.replace(/;.*$/, '')}; ${advice}`);
  }
  if (peek.size === 0) throw new UserError(`${path} (${flag}): the file is empty; ${todo}`);
  if (peek.head.includes(0)) throw new UserError(`${path} (${flag}): binary data, not a text file; ${todo}`);
}

function checkOutput(flag: string, path: string): void {
  // /dev/stdout and the like: written through this process's own descriptor (safe-fs/output.ts).
  if (ownDescriptor(path) !== undefined) return;
  const stats = statOrFail(flag, path, 'give a file in a directory you can write');
  const dir = dirname(resolve(path));
  if (!stats) {
    const parent = statOrFail(flag, dir, 'give a file in a directory you can write');
    if (!parent) throw new UserError(`${path} (${flag}): the directory ${dir} does not exist; create it first (mkdir -p ${dir})`);
    if (!parent.isDirectory()) throw new UserError(`${path} (${flag}): ${dir} is not a directory; give a file in a directory`);
    refuseWhereWriterWould(flag, path, dir, undefined);
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new UserError(`${path} (${flag}): cannot create a file in ${dir}: ${describeErrno(errnoOf(error))}; give a file in a directory you can write`);
    }
    return;
  }
  if (stats.isDirectory()) throw new UserError(`${path} (${flag}): is a directory; give a file name (e.g. ${path.replace(/\/$/, '')}/report.txt)`);
  // The entry itself, as the writer sees it: a link there is replaced, a FIFO or device written into.
  const entry = lstatSync(path);
  refuseWhereWriterWould(flag, path, dir, entry);
  if (entry.isFIFO()) {
    // Opened now, without blocking (nobody reading is ENXIO), and held: the output goes through
    // this descriptor, so a one-shot reader is not handed an end of file first.
    try {
      holdOutputFifo(path);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(`${path} (${flag}): ${error.message.replace(/^cannot write [^:]*: /, '')}`);
      throw new UserError(`${path} (${flag}): ${describeErrno(errnoOf(error))}; start the reader first, or give a regular file`);
    }
    return;
  }
  try {
    // A link is replaced in its directory, never written through.
    if (entry.isSymbolicLink()) accessSync(dir, constants.W_OK | constants.X_OK);
    else accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UserError(`${path} (${flag}): ${describeErrno(errnoOf(error))}; give a file you can write`);
  }
}

/** The writer's own rule (whose FIFO, nothing new in /dev), checked before the command runs. */
function refuseWhereWriterWould(flag: string, path: string, dir: string, entry: Stats | undefined): void {
  let dirReal = dir;
  try {
    dirReal = realpathSync(dir);
  } catch {
    // The writer walks the directory itself and says what is wrong with it.
  }
  const refusal = outputRefusal(dirReal, entry);
  if (refusal !== undefined) throw new UserError(`${path} (${flag}): ${refusal}`);
}

function checkDir(flag: string, path: string): void {
  const stats = statOrFail(flag, path, 'give a directory');
  if (!stats) {
    const parent = dirname(resolve(path));
    const up = statOrFail(flag, parent, 'give a directory');
    if (!up || !up.isDirectory())
      throw new UserError(`${path} (${flag}): no such directory, and ${parent} does not exist to create it in; create it first (mkdir -p ${path})`);
    return;
  }
  if (!stats.isDirectory()) throw new UserError(`${path} (${flag}): is ${stats.isFile() ? 'a file' : kindOf(stats)}, not a directory; give a directory`);
  try {
    accessSync(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new UserError(`${path} (${flag}): ${describeErrno(errnoOf(error))}; ${asRoot()}`);
  }
}

/** Check one value of a path option; throws a UserError naming the path, the flag and what to do. */
export function checkPath(option: PathOption, path: string): void {
  const flag = option.long ?? option.short ?? option.flags;
  if (path === '') throw new UserError(`${flag}: an empty path; give a file name`);
  if (option.role === 'input-or-dir') {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      // Not there, or not ours to stat: checkInput says which, in its words.
    }
    if (isDir) checkDir(flag, path);
    else checkInput(option, flag, path);
  } else if (option.role === 'input') checkInput(option, flag, path);
  else if (option.role === 'output') checkOutput(flag, path);
  else checkDir(flag, path);
}

/** Every path option of the command the user runs, checked before it acts. */
export function checkPathOptions(command: Command): void {
  const values = command.opts() as Record<string, unknown>;
  for (const option of command.options) {
    if (!(option instanceof PathOption)) continue;
    const value = values[option.attributeName()];
    const paths = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
    for (const path of paths) if (typeof path === 'string') checkPath(option, path);
  }
}

/** `--flag <file>` etc.: the placeholders that name a path; a test checks every such option is a PathOption. */
export const PATH_PLACEHOLDER = /<(file|path|dir|key|setDir)>/;
