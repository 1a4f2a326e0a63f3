/**
 * Splits a `command:` / `entrypoint:` string the way compose does (shell words: quotes
 * and backslashes group, whitespace separates). No variable expansion or globbing: compose
 * passes the words to the container as they are. For text without quotes this is a plain
 * split on whitespace.
 */
export function splitCommand(text: string): { words: string[]; unclosedQuote: boolean } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && /["\\$`]/.test(text[i + 1] ?? '')) word += text[++i];
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\' && i + 1 < text.length) word += text[++i];
    else word += c;
  }
  if (inWord) words.push(word);
  return { words, unclosedQuote: quote !== undefined };
}
