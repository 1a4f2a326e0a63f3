import { constants } from 'node:buffer';
import { readUntrusted } from '../safe-fs/read.js';
import { writeOutputFile } from '../safe-fs/write.js';
import { UserError } from '../errors.js';
import { snapshotShapeProblem } from './shape.js';
import { SNAPSHOT_VERSION, type Snapshot } from './types.js';

const REQUIRED_KEYS: (keyof Snapshot)[] = [
  'schemaVersion',
  'tool',
  'collectedAt',
  'host',
  'sockets',
  'network',
  'netfilter',
  'ufw',
  'docker',
  'compose',
  'tailscale',
  'sshd',
  'openclaw',
];

/** Check the shape of a parsed snapshot against the JSON Schema in schema/ (shape.ts): a file is hostile input. */
export function validateSnapshot(value: unknown, file: string): Snapshot {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UserError(`${file}: not a clawmoat snapshot (expected a JSON object); create one with \`clawmoat collect -o ${file}\``);
  const obj = value as Record<string, unknown>;
  if (obj.schemaVersion !== SNAPSHOT_VERSION) {
    throw new UserError(
      `${file}: snapshot schemaVersion ${JSON.stringify(obj.schemaVersion)} is not supported (this clawmoat reads version ${SNAPSHOT_VERSION}); collect it again with this version`,
    );
  }
  const missing = REQUIRED_KEYS.filter((k) => !(k in obj));
  if (missing.length > 0) throw new UserError(`${file}: snapshot is missing ${missing.join(', ')}; it may be truncated; collect it again`);
  const problem = snapshotShapeProblem(value);
  if (problem !== undefined)
    throw new UserError(`${file}: not a snapshot clawmoat can read: ${problem}; collect it again with \`clawmoat collect -o ${file}\``);
  return value as Snapshot;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * A snapshot of a host with a 100k-rule ruleset is tens of MB; far beyond that is not a snapshot.
 * Below V8's longest string (a file over it ended the run with "internal error") and small enough
 * that parsing it leaves Node room to work.
 */
export const MAX_SNAPSHOT_BYTES = Math.min(256 * 1024 * 1024, constants.MAX_STRING_LENGTH);

export async function readSnapshot(file: string): Promise<Snapshot> {
  const read = await readUntrusted(file, { maxBytes: MAX_SNAPSHOT_BYTES });
  if (!read.ok) throw new UserError(`${read.reason === 'not-found' ? `${file}: no such file` : read.detail}; pass a file written by \`clawmoat collect -o\``);
  const text = read.data.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : text.trim().length === 0 ? { line: 1, column: 1 } : lineAndColumn(text, text.length);
    const what =
      text.trim().length === 0 ? 'the file is empty' : position ? message.replace(/ in JSON at position \d+.*$/, '') : 'the JSON ends early (truncated?)';
    throw new UserError(`${file}:${where.line}:${where.column}: ${what}; collect the snapshot again with \`clawmoat collect -o ${file}\``);
  }
  return validateSnapshot(parsed, file);
}

/**
 * Write atomically, so an interrupted run never leaves half a snapshot behind, and safely:
 * an exclusive temp file under a random name, renamed over the path (a link there is
 * replaced, never followed). 0600: a snapshot describes the host in detail.
 */
export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  await writeOutputFile(file, `${JSON.stringify(snapshot, null, 2)}\n`, 0o600);
}
