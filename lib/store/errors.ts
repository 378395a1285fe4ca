/**
 * Errors raised by the store for bad input, so callers can tell "you asked for something
 * wrong" (show it to the user) from a broken database (log it).
 * @module
 */
import { UserError } from "../errors.ts";
/** Why a store call was refused. */
export type StoreErrorCode = "not_found" | "invalid_input";

/**
 * A store call that was refused because of its input.
 *
 * @example
 * ```ts
 * try {
 *   await store.addMessage({ conversationId: "nope", role: "user", content: "hi" });
 * } catch (err) {
 *   if (err instanceof StoreError && err.code === "not_found") {
 *     // 404
 *   }
 * }
 * ```
 */
export class StoreError extends UserError {
  /** Machine-readable reason. */
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message, { kind: "data" });
    this.name = "StoreError";
    this.code = code;
  }
}
