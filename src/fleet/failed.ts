import { readUntrusted } from '../safe-fs/read.js';
import { redactText } from '../snapshot/redact.js';
import type { FleetUnreadable } from './types.js';

/**
 * A host whose collection failed, as the Ansible play records it on the control machine
 * (docs/fleet-format.md, "Collection failures"): `HOST.failed.json` =
 * `{"clawmoat":"collection-failed","host":"web1","reason":"...","failedAt":"..."}`. The fleet shows
 * it as an unreadable host with that reason, never as a pass and never as a missing file.
 */
export const FAILED_SUFFIX = '.failed.json';
export const FAILED_MARK = 'collection-failed';

/** A record is a few hundred bytes; anything bigger is not one. */
const MAX_RECORD_BYTES = 64 * 1024;
/** A reason is one line of a report: Ansible's messages can hold a whole stderr. */
const MAX_REASON_CHARS = 500;

export function isFailureRecordName(file: string): boolean {
  return file.endsWith(FAILED_SUFFIX);
}

/** One line, no control characters, capped: the reason comes from the host's side and may be anything. */
export function oneLine(text: string, max = MAX_REASON_CHARS): string {
  const line = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The unreadable row a failure record stands for; a record that is not one is an unreadable row too, saying so. */
export async function readFailureRecord(file: string): Promise<FleetUnreadable> {
  const read = await readUntrusted(file, { maxBytes: MAX_RECORD_BYTES });
  if (!read.ok) return { file, reason: `collection-failure record: ${read.reason === 'not-found' ? 'no such file' : redactText(oneLine(read.detail))}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.data.toString('utf8'));
  } catch {
    return { file, reason: 'collection-failure record: not JSON (truncated?)' };
  }
  const record = parsed as Record<string, unknown> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    record.clawmoat !== FAILED_MARK ||
    typeof record.host !== 'string' ||
    oneLine(record.host) === '' ||
    typeof record.reason !== 'string'
  ) {
    return { file, reason: `collection-failure record: not one (wants {"clawmoat":"${FAILED_MARK}","host":...,"reason":...})` };
  }
  // Ansible's reason can hold a whole stderr: redacted as every other text from a host is.
  const reason = redactText(oneLine(record.reason)) || 'no reason given';
  return { file, host: oneLine(record.host, 253), reason: `collection failed: ${reason}` };
}
