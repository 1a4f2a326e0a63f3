import JSON5 from 'json5';

export type ParseResult = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

const POSITION_SUFFIX = / at (\d+):(\d+)$/;

/**
 * JSON5.parse that never throws and reports where it stopped. Lines and columns
 * are json5's own: 1-based, only "\n" ends a line, columns count UTF-16 units.
 */
export function parseJson5(text: string): ParseResult {
  // json5 console.warns about U+2028/U+2029 inside strings; that would land in
  // clawmoat's output. parse is synchronous, so nothing else logs meanwhile.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return { ok: true, value: JSON5.parse(text) as unknown };
  } catch (error) {
    const err = error as { message?: unknown; lineNumber?: unknown; columnNumber?: unknown };
    const message = typeof err.message === 'string' ? err.message : String(error);
    const fromMessage = POSITION_SUFFIX.exec(message);
    const line = typeof err.lineNumber === 'number' ? err.lineNumber : Number(fromMessage?.[1] ?? 1);
    const column = typeof err.columnNumber === 'number' ? err.columnNumber : Number(fromMessage?.[2] ?? 1);
    const short = message.replace(/^JSON5: /, '').replace(POSITION_SUFFIX, '');
    return { ok: false, line: Math.max(1, line || 1), column: Math.max(1, column || 1), message: short };
  } finally {
    console.warn = warn;
  }
}
