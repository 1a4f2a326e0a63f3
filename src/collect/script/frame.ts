import { UserError } from '../../errors.js';

/**
 * The collection script's output: a format line, then records, then an end line with the count.
 *
 *   CLAWMOAT-COLLECT 1
 *   R <op> <status> <id bytes> <data bytes>\n<id><data>\n     (one per read)
 *   E <count>\n
 *
 * Every length is in bytes and the parser only ever moves by them, never by searching the
 * content, so a file or a process title holding "R read ok ..." is data, not a record. A missing
 * end line, a count that disagrees or a record cut short means the output was truncated: the whole
 * output is refused (one line), never parsed as a host that has less.
 */

export const FORMAT_LINE = 'CLAWMOAT-COLLECT 1';

export interface ScriptRecord {
  op: string;
  status: string;
  id: string;
  data: Buffer;
}

const HEADER = /^R ([a-z]+) ([A-Za-z0-9-]+) (\d{1,9}) (\d{1,12})$/;
const END = /^E (\d{1,9})$/;

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
  const records: ScriptRecord[] = [];
  let at = FORMAT_LINE.length + 1;
  for (;;) {
    const eol = output.indexOf(0x0a, at);
    if (eol < 0) throw truncated(source, records.length, 'it ends inside a record header');
    const line = output.subarray(at, eol).toString('latin1');
    const end = END.exec(line);
    if (end) {
      if (Number(end[1]) !== records.length) throw truncated(source, records.length, `its end line counts ${end[1]} records`);
      if (eol + 1 !== output.length) throw new UserError(`${source}: output continues after its end line; was something else printed into it?`);
      return records;
    }
    const header = HEADER.exec(line);
    if (!header)
      throw new UserError(`${source}: malformed record header after ${records.length} records (${JSON.stringify(line.slice(0, 60))}); was the output altered?`);
    const idLength = Number(header[3]);
    const dataLength = Number(header[4]);
    const start = eol + 1;
    const stop = start + idLength + dataLength;
    if (stop + 1 > output.length) throw truncated(source, records.length, 'a record is cut short');
    if (output[stop] !== 0x0a) throw new UserError(`${source}: record ${records.length + 1} does not end where its length says; was the output altered?`);
    records.push({
      op: header[1]!,
      status: header[2]!,
      id: output.subarray(start, start + idLength).toString('utf8'),
      data: output.subarray(start + idLength, stop),
    });
    at = stop + 1;
  }
}

function truncated(source: string, count: number, why: string): UserError {
  return new UserError(`${source}: the collection output is truncated after ${count} records (${why}); run the script again`);
}

/** Build one record: what the script prints, for tests and tools that write outputs. */
export function frameRecord(op: string, status: string, id: string, data: Buffer | string): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  const dataBytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from(`R ${op} ${status} ${idBytes.length} ${dataBytes.length}\n`), idBytes, dataBytes, Buffer.from('\n')]);
}
