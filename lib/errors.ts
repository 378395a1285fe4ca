/**
 * Errors whose message tells the user what to do. The CLI prints them as one line, without a
 * stack; `kind` says what went wrong in domain terms, so no domain error carries an HTTP status.
 * @module
 */

/**
 * What a {@linkcode UserError} is about: `usage` a command-line mistake (exit code 2), `setup`
 * the environment, files or settings rungpt runs with, `data` stored data that is missing or
 * conflicts, `refused` the user declined (or could not be asked) to confirm.
 */
export type ErrorKind = "usage" | "setup" | "data" | "refused";

/**
 * The base of user-facing errors.
 *
 * @example
 * ```ts
 * class PortInUseError extends UserError {}
 * if (e instanceof UserError) console.error(e.message);
 * ```
 */
export class UserError extends Error {
  /** What the error is about; subclasses set their own. */
  readonly kind: ErrorKind;
  constructor(message: string, options?: ErrorOptions & { kind?: ErrorKind }) {
    super(message, options);
    this.kind = options?.kind ?? "setup";
  }
}

/** A command-line mistake: the message names the argument that was wrong. */
export class UsageError extends UserError {
  override readonly kind = "usage";
  override name = "UsageError";
}

/** The user declined, or could not be asked, to confirm a change; nothing was changed. */
export class RefusedError extends UserError {
  override readonly kind = "refused";
  override name = "RefusedError";
}
