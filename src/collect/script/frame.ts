import { UserError } from '../../errors.js';

/**
 * The collection script's output: a format line, one header per record, the records' ids and data
 * back to back, then an end line with the count.
 *
 *   CLAWMOAT-COLLECT 1
 *   R <op> <status> <id bytes> <data bytes>\n      one per record, in order
 *   D\n
 *   <id><data><id><data>...                         every record's bytes, as the headers say
 *   \nE <count>\n
 *
 * Headers hold only words and numbers the script writes; every length is in bytes, and the parser
 * only ever moves by them, never by searching the content, so a file or a process title holding
 * "R read ok ..." is data, not a record. A missing end line, a count that disagrees or bytes that
 * do not add up mean the output was truncated or altered: the whole output is refused (one
 * line), never parsed as a host that has less.
 */

export const FORMAT_LINE = 'CLAWMOAT-COLLECT 1';

export interface ScriptRecord {
  op: string;
  status: string;
  id: string;
  data: Buffer;
}

const HEADER = /^R ([a-z]+) ([A-Za-z0-9-]+) (\d{1,9}) (\d{1,12})$/;
const END = /^\nE (\d{1,9})\n/;

/** Does this look like a collection script's output (its first line)? */
export function isScriptOutput(head: Buffer | string): boolean {
  const text = typeof head === 'string' ? head : head.subarray(0, FORMAT_LINE.length + 1).toString('latin1');
  return text.startsWith(`${FORMAT_LINE}\n`);
}

export function parseFrames(output: Buffer, source: string): ScriptRecord[] {
  if (!isScriptOutput(output)) {
    const first = output.subarray(0, 80).toString('utf8').split('\n')[0] ?? '';
    throw new UserError(`${source}: not the output of \`clawmoat collect --print-script\` (it starts with ${JSON.stringify(first)}, not "${FORMAT_LINE}")`);
  }
  const headers: { op: string; status: string; idLength: number; dataLength: number }[] = [];
  let at = FORMAT_LINE.length + 1;
  for (;;) {
    const eol = output.indexOf(0x0a, at);
    if (eol < 0) throw truncated(source, headers.length, 'it ends among the record headers');
    const line = output.subarray(at, eol).toString('latin1');
    at = eol + 1;
    if (line === 'D') break;
    const header = HEADER.exec(line);
    if (!header)
      throw new UserError(`${source}: malformed record header after ${headers.length} records (${JSON.stringify(line.slice(0, 60))}); was the output altered?`);
    headers.push({ op: header[1]!, status: header[2]!, idLength: Number(header[3]), dataLength: Number(header[4]) });
  }
  const records: ScriptRecord[] = [];
  for (const h of headers) {
    const stop = at + h.idLength + h.dataLength;
    if (stop > output.length) throw truncated(source, headers.length, `record ${records.length + 1} is cut short`);
    records.push({ op: h.op, status: h.status, id: output.subarray(at, at + h.idLength).toString('utf8'), data: output.subarray(at + h.idLength, stop) });
    at = stop;
  }
  const rest = output.subarray(at).toString('latin1');
  const end = END.exec(rest);
  if (!end) throw truncated(source, headers.length, 'its end line is missing');
  if (Number(end[1]) !== headers.length) throw truncated(source, headers.length, `its end line counts ${end[1]} records`);
  if (end[0].length !== rest.length) throw new UserError(`${source}: output continues after its end line; was something else printed into it?`);
  return records;
}

function truncated(source: string, count: number, why: string): UserError {
  return new UserError(`${source}: the collection output is truncated after ${count} records (${why}); run the script again`);
}

/** A whole output from records: what the script prints, for tests and tools that write outputs. */
export function frameOutput(records: readonly { op: string; status: string; id: string; data: Buffer | string }[]): Buffer {
  const parts = records.map((r) => ({ ...r, id: Buffer.from(r.id, 'utf8'), data: typeof r.data === 'string' ? Buffer.from(r.data, 'utf8') : r.data }));
  return Buffer.concat([
    Buffer.from(`${FORMAT_LINE}\n`),
    ...parts.map((r) => Buffer.from(`R ${r.op} ${r.status} ${r.id.length} ${r.data.length}\n`)),
    Buffer.from('D\n'),
    ...parts.flatMap((r) => [r.id, r.data]),
    Buffer.from(`\nE ${parts.length}\n`),
  ]);
}
