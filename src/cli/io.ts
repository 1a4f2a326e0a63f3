/**
 * What a command reads and writes besides its arguments: its two streams, whether each is a
 * terminal, its environment, its working directory and the clock. The CLI passes the process's
 * own (processIo); a test passes one that records, runs the command's function, and reads what it
 * wrote beside the exit code the function returns. Prompts and child processes stay with the
 * commands that need them (harden's SessionIo, the tunnel's ssh).
 */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout / stderr is a terminal: colour by default, a spinner on stderr. */
  terminal: { out: boolean; err: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Milliseconds since the epoch (Date.now). */
  now(): number;
}

export function processIo(): CommandIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    terminal: { out: process.stdout.isTTY === true, err: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
  };
}
