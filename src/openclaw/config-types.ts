import type { OwnerReader } from '../collect/owner-read.js';
import type { SourceLocation } from '../snapshot/types.js';

/** What the config resolver needs to know about the gateway it resolves for. */
export interface ConfigResolveInput {
  /** The environment of the gateway process (or of clawmoat when no process). */
  env: Record<string, string | undefined>;
  /** HOME of the gateway's user. */
  homeDir: string;
  /** Process working dir, for the cwd .env and for relative paths in env vars. */
  cwd?: string;
  /** From --profile / OPENCLAW_PROFILE. */
  profile?: string;
  /** --dev => ~/.openclaw-dev */
  dev?: boolean;
  /** An explicit path (e.g. clawmoat --openclaw-config). */
  configPathOverride?: string;
  /**
   * The gateway process the environment, HOME and cwd were taken from: every file they lead to
   * (the config, its includes, the .env files) is read only as that process's owner could, and
   * the result records whether that owner could write the config (harden edits only such a one).
   * An explicit configPathOverride is the admin's choice: that file and its includes are read as clawmoat.
   */
  gateway?: { pid: number; reader: OwnerReader; mayWrite: (path: string) => Promise<boolean> };
}

/**
 * Where the keys of one parsed JSON5 value were written. It mirrors the value:
 * `children` for object keys, `items` for array elements. `at` is the position of
 * the key (or of the element) that holds this node, filled by its parent.
 */
export interface LocNode {
  at?: SourceLocation;
  children?: Map<string, LocNode>;
  items?: LocNode[];
}

/** A value with the positions of its parts, carried together through $include and merging. */
export interface Located {
  value: unknown;
  node: LocNode;
}

/** The config is wrong the way OpenClaw would reject it: it becomes an OpenClawConfigInvalid. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly location: { file: string; line?: number; column?: number },
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * We could not read a file the gateway can (we are not its user, not root): that
 * says nothing about the config, so it becomes an Unavailable, not an invalid.
 */
export class ConfigAccessError extends Error {
  constructor(
    message: string,
    readonly reason: 'permission-denied' | 'error',
  ) {
    super(message);
    this.name = 'ConfigAccessError';
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
