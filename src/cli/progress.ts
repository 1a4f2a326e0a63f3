import type { createSpinner } from 'nanospinner';

/** How wide the terminal on `stream` says it is: undefined when it is not a terminal or gives no width (0). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  if (!stream.isTTY) return undefined;
  const columns = stream.columns;
  return typeof columns === 'number' && Number.isFinite(columns) && columns > 0 ? columns : undefined;
}

/**
 * A spinner on stderr that appears only when work takes longer than a second, and only on a
 * terminal that reports its width: scripts, pipes, and terminals that say they are 0 columns
 * wide (a serial console, some CI terminals) get clean output. nanospinner divides by the
 * stream's width to count the lines to erase, so a width of 0 would have it erase forever: it
 * is handed a stream whose width is never below 1, read afresh at each frame. nanospinner (and
 * the tty module it loads) is imported only when the spinner is about to appear: a run that
 * ends within the second, or writes to a pipe, never loads it.
 */
export function startProgress(text: string, options: { enabled: boolean; delayMs?: number }): { update(text: string): void; stop(): void } {
  const stderr = process.stderr;
  if (!options.enabled || terminalWidth(stderr) === undefined) return { update() {}, stop() {} };
  let spinner: ReturnType<typeof createSpinner> | undefined;
  let stopped = false;
  let current = text;
  let lastWidth = terminalWidth(stderr)!;
  const stream = {
    write: (chunk: string) => stderr.write(chunk),
    // A terminal resized to 0 columns mid-run: keep the last width it gave.
    get columns() {
      lastWidth = terminalWidth(stderr) ?? lastWidth;
      return lastWidth;
    },
  } as unknown as NodeJS.WriteStream;
  const timer = setTimeout(() => {
    // Still a terminal with a width when the spinner would appear (it may have changed since).
    if (terminalWidth(stderr) === undefined) return;
    void import('nanospinner').then(
      ({ createSpinner }) => {
        // The work may have ended while the module loaded: then no spinner at all.
        if (!stopped) spinner = createSpinner(current, { stream }).start();
      },
      // No spinner rather than a failed run.
      () => undefined,
    );
  }, options.delayMs ?? 1000);
  return {
    update(next: string) {
      current = next;
      spinner?.update({ text: next });
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      spinner?.clear();
      spinner?.stop();
    },
  };
}
