/**
 * Host-derived words in a fix step. Steps are offered as commands to paste (HTML copy buttons,
 * Markdown `sh` fences, the text report), usually by root, and the words come from the gateway
 * user: a config path, a unit name, a compose file. Pasted raw, `$(…)`, backticks or `;` in such a
 * name run as whoever pastes it, and a newline starts a command of the user's choosing. So every
 * such word goes into a step single-quoted, and a value that cannot be shown faithfully on one line
 * (a control character, a line or paragraph separator, a bidirectional override) goes into none.
 */

/** Characters a step must not carry from the host: they break the line or make it read as something else. */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Whether `value` can be shown in a step as one shell word. */
export function showableInStep(value: string): boolean {
  return !UNSHOWABLE.test(value);
}

/** Words the shell reads as themselves (no expansion, glob, splitting or operator): left bare so a plain path reads plainly. */
const PLAIN = /^[A-Za-z0-9_./:@%+=,-]+$/;

/**
 * `value` as one POSIX shell word: bare when it is plain, else single-quoted with each `'` written
 * `'\''`, so no expansion, glob or word splitting applies. Undefined when the value holds a
 * character no step may carry: the caller then names it in prose ("the file named in the
 * evidence") instead.
 */
export function shellWord(value: string): string | undefined {
  if (!showableInStep(value)) return undefined;
  return PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `value` as one shell word, or `prose` (which must not contain host text) when it cannot be one. */
export function shellWordOr(value: string, prose: string): string {
  return shellWord(value) ?? prose;
}

/**
 * A command line to paste: the template's own text as written, each interpolated host word as one
 * shell word (numbers as they are). Undefined when a word cannot be shown: the caller leaves the
 * command out and its prose names the thing instead.
 */
export function shellCommand(strings: TemplateStringsArray, ...words: (string | number)[]): string | undefined {
  let line = strings[0]!;
  for (const [i, word] of words.entries()) {
    const quoted = typeof word === 'number' ? String(word) : shellWord(word);
    if (quoted === undefined) return undefined;
    line += quoted + strings[i + 1]!;
  }
  return line;
}

/** The commands that could be written, in order (see shellCommand). */
export function shownCommands(commands: (string | undefined)[]): string[] {
  return commands.filter((c): c is string => c !== undefined);
}
