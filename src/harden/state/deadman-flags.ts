/** The dead-man timer's two facts the CLI's options need, in a leaf so `harden --help` loads no apply code. */

export const DEFAULT_DEADMAN_SECONDS = 60;
/** The hidden CLI flag the default watcher command uses: `clawmoat harden --deadman-fire <setDir>`. */
export const DEADMAN_FIRE_FLAG = '--deadman-fire';
