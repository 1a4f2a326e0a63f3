import { readUntrustedSync } from '../safe-fs/read.js';
import { absentTarget, targetFrom, type TargetBefore } from '../safe-fs/write.js';

/**
 * The files a plan reads from this host, read safely (safe-fs), and exactly what was read:
 * apply later writes a file only if it is still that file with that content, so what is
 * applied is what the plan showed, to the file the plan read.
 */
export class LiveFiles {
  private readonly seen = new Map<string, TargetBefore | { error: string }>();

  /** The text of a file now, or undefined when it is missing or may not be read (the planner then says so). */
  readonly read = (path: string): string | undefined => {
    const result = readUntrustedSync(path);
    if (result.ok) {
      this.seen.set(path, targetFrom(result.identity));
      return result.data.toString('utf8');
    }
    this.seen.set(path, result.reason === 'not-found' ? absentTarget(path) : { error: result.detail });
    return undefined;
  };

  /** What the plan saw at a path it writes; a path it never read is looked at now (a new file). */
  before(path: string): TargetBefore | { error: string } {
    if (!this.seen.has(path)) this.read(path);
    return this.seen.get(path)!;
  }
}
