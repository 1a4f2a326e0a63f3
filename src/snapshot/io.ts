import { readFile, rename, writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { SNAPSHOT_VERSION, type Snapshot } from './types.js';

export { UserError } from '../errors.js';

const REQUIRED_KEYS: (keyof Snapshot)[] = ['schemaVersion', 'tool', 'collectedAt', 'host', 'sockets', 'network', 'netfilter', 'ufw', 'docker', 'compose', 'tailscale', 'sshd', 'openclaw'];

/** Check the shape of a parsed snapshot; the JSON Schema in schema/ is the full contract. */
export function validateSnapshot(value: unknown, file: string): Snapshot {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}: not a clawmoat snapshot (expected a JSON object); create one with \`clawmoat collect -o ${file}\``);
  const obj = value as Record<string, unknown>;
  if (obj.schemaVersion !== SNAPSHOT_VERSION) {
    throw new UserError(`${file}: snapshot schemaVersion ${JSON.stringify(obj.schemaVersion)} is not supported (this clawmoat reads version ${SNAPSHOT_VERSION}); collect it again with this version`);
  }
  const missing = REQUIRED_KEYS.filter((k) => !(k in obj));
  if (missing.length > 0) throw new UserError(`${file}: snapshot is missing ${missing.join(', ')}; it may be truncated; collect it again`);
  return value as Snapshot;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code})`}; pass a file written by \`clawmoat collect -o\``);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : text.trim().length === 0 ? { line: 1, column: 1 } : lineAndColumn(text, text.length);
    const what = text.trim().length === 0 ? 'the file is empty' : position ? message.replace(/ in JSON at position \d+.*$/, '') : 'the JSON ends early (truncated?)';
    throw new UserError(`${file}:${where.line}:${where.column}: ${what}; collect the snapshot again with \`clawmoat collect -o ${file}\``);
  }
  return validateSnapshot(parsed, file);
}

/** Write atomically, so an interrupted run never leaves half a snapshot behind. */
export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
