/**
 * The errors a user can act on. One home for them, below every layer: collectors, the model,
 * harden and the CLI all raise them, and only the CLI turns them into a line on stderr.
 */

/** A problem the user can fix, printed as one line; never a stack trace. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
}

/**
 * A file operation clawmoat refused because the file or a directory on its path is not what
 * it was, or is controlled by someone who could use it against a root process. Printed as one
 * line: what was refused, the path, why, and what to do.
 */
export class RefusedError extends UserError {
  override readonly name = 'RefusedError';
}
