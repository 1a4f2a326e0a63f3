import { writeOutputFile } from '../safe-fs/write.js';
import type { CommandIo } from './io.js';

/**
 * Colour only on a terminal, never when NO_COLOR is set (https://no-color.org) or --no-color is
 * given; FORCE_COLOR (not 0) forces it. `stream`: the one the coloured text goes to.
 */
export function useColor(flag: boolean | undefined, io: CommandIo, stream: 'out' | 'err' = 'out'): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.terminal[stream];
}

/** The command's result: to the file the user named (atomically, safe-fs), else to stdout. */
export async function emit(text: string, outputFile: string | undefined, io: CommandIo): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (outputFile) await writeOutputFile(outputFile, body);
  else io.out(body);
}
