import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replace a file in the state directory so that a crash at any instant (kill -9, power loss)
 * leaves either the old content or the new, never a truncated mix: write a temp file under a
 * random name, created exclusively, in the same directory (rename is atomic only within one
 * filesystem), fsync it, rename it over the target (replacing a link, never following it), then
 * fsync the directory so the rename itself is on disk.
 *
 * Only for the state directory, which trust.ts has checked only root can write. Files a user
 * may control are written by safe-fs/write.ts instead.
 */
export interface AtomicWriteOptions {
  /** Permission bits. Default 0o600: the state directory holds copies of configs with tokens. */
  mode?: number;
}

/** fsync a directory so a rename or unlink in it survives a power loss. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // A few filesystems refuse fsync on directories; there is nothing more we can do there.
    if (!['EINVAL', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const temp = join(dirname(path), `.${basename(path).slice(0, 180)}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}
