/**
 * Why an edit was refused. Every editor validates its input and its own output, so the
 * caller (the harden planner) gets one error type with a line to point the user at,
 * instead of a half-edited file.
 */

export type EditErrorCode =
  /** The input does not parse; line/column say where the parser stopped. */
  | 'parse'
  /** The key path runs through a value that is not an object (or mapping). */
  | 'not-object'
  /** The compose file has no service of that name. */
  | 'no-service'
  /** The edit would also change something the caller did not name (a shared YAML anchor, an inherited key). */
  | 'shared'
  /** The file holds something this editor does not rewrite (it says what, and where). */
  | 'unsupported'
  /** The edited text did not re-parse to the intended value: a bug here, never written out. */
  | 'verify';

export class EditError extends Error {
  constructor(
    message: string,
    readonly code: EditErrorCode,
    /** 1-based, in the text given to the editor. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : `line ${line}${column === undefined ? '' : `:${column}`}: ${message}`);
    this.name = 'EditError';
  }
}
