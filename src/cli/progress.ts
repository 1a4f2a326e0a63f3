import { createSpinner } from 'nanospinner';

/**
 * A spinner on stderr that appears only when work takes longer than a second,
 * and only on a terminal: scripts and pipes get clean output.
 */
export function startProgress(text: string, options: { enabled: boolean; delayMs?: number }): { update(text: string): void; stop(): void } {
  if (!options.enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  let spinner: ReturnType<typeof createSpinner> | undefined;
  let current = text;
  const timer = setTimeout(() => {
    spinner = createSpinner(current, { stream: process.stderr }).start();
  }, options.delayMs ?? 1000);
  return {
    update(next: string) {
      current = next;
      spinner?.update({ text: next });
    },
    stop() {
      clearTimeout(timer);
      spinner?.clear();
      spinner?.stop();
    },
  };
}
