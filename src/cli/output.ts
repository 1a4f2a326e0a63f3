import { writeOutputFile } from '../safe-fs/write.js';

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org) or --no-color is given. */
export function useColor(flag: boolean | undefined, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export async function emit(text: string, outputFile: string | undefined): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (outputFile) await writeOutputFile(outputFile, body);
  else process.stdout.write(body);
}
