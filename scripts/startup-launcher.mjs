// The shell lines atop dist/clawmoat.mjs that start the CLI from its startup snapshot when one was
// built for this very bundle and this very node (src/startup/README.md), and the names of the
// files they look for: one home for both, used by scripts/bundle.mjs.
import { createHash } from 'node:crypto';

/** Where `clawmoat-startup-snapshot` writes blobs: only root can write there (checked when building). */
export const DEFAULT_STARTUP_DIR = '/var/cache/clawmoat';

/**
 * The files of the startup snapshot of this build: `id` hashes the snapshot bundle, so a blob is
 * only ever used by the bundle it was built from (an upgrade or a rebuild names another file).
 */
export function startupFiles(dir, snapshotBundle) {
  const id = createHash('sha256').update(snapshotBundle).digest('hex').slice(0, 16);
  const stem = `${dir}/startup-${id}`;
  // The blob's modification time is the node binary's (`touch -r`), and `.node` links to it.
  return { id, blob: `${stem}.blob`, node: `${stem}.node` };
}

/**
 * `#!/bin/sh` first, then lines that are shell to sh and a string and a comment to JavaScript,
 * so the one file is both the launcher (run as a command) and the bundle (`node clawmoat.mjs`).
 * Only shell built-ins run (no process is started: the launcher costs one `sh`, as `env` did):
 * - no NODE_OPTIONS (a V8 flag there makes node refuse the blob: exit 14);
 * - the blob a regular file owned by whoever runs it (root's own for `sudo clawmoat`); the
 *   directories above it were checked when it was built, and only root or that owner can change them;
 * - the first `node` on PATH (the one `exec node` would run) is the file the blob was built with
 *   (`-ef` its link) and has the modification time it had then (an upgrade in place changes it).
 * Otherwise, as without a blob: `exec node "$0"`.
 */
export function launcherLines(files) {
  const s = JSON.stringify;
  return [
    '#!/bin/sh',
    `":" //; b=${s(files.blob)}; l=${s(files.node)}; n=`,
    `":" //; [ -z "$NODE_OPTIONS" ] && [ -f "$b" ] && [ ! -L "$b" ] && [ -O "$b" ] && { set -f; o=$IFS; IFS=:; for d in $PATH; do [ -f "\${d:-.}/node" ] && [ -x "\${d:-.}/node" ] && { n=\${d:-.}/node; break; }; done; IFS=$o; set +f; }`,
    `":" //; [ -n "$n" ] && [ "$n" -ef "$l" ] && [ ! "$n" -nt "$b" ] && [ ! "$n" -ot "$b" ] && exec "$n" --no-regexp-tier-up --snapshot-blob "$b" -- "$0" "$@"`,
    `":" //; exec node "$0" "$@"`,
  ].join('\n');
}
