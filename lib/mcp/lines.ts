/**
 * Splits a text stream into lines with a bound on how long one line may grow, so a process
 * that writes without newlines cannot make rungpt buffer without end.
 * @module
 */

/** What to do with a line longer than the bound. */
export type OverlongPolicy = "cut" | "fail";

/** A line longer than the bound, under the `"fail"` policy. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
}

/**
 * A bounded line splitter: feed chunks, get whole lines back.
 *
 * @example
 * ```ts
 * const lines = new LineSplitter(1024, "cut");
 * lines.push("a\nb"); // ["a"]
 * lines.flush(); // ["b"]
 * ```
 */
export class LineSplitter {
  /** The unterminated line so far, in pieces (joined once it ends: no quadratic copying). */
  #pending: string[] = [];
  #pendingLength = 0;
  /** Dropping the rest of a line already cut. */
  #skipping = false;
  readonly #max: number;
  readonly #policy: OverlongPolicy;

  constructor(maxChars: number, policy: OverlongPolicy) {
    this.#max = maxChars;
    this.#policy = policy;
  }

  /** Adds a chunk; returns the lines it completed (without their `\n` or `\r\n`). */
  push(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      const line = this.#end(chunk.slice(start, end));
      if (line !== null) out.push(line.endsWith("\r") ? line.slice(0, -1) : line);
      start = end + 1;
    }
    const cut = this.#add(chunk.slice(start));
    if (cut !== null) out.push(cut);
    return out;
  }

  /** The last unterminated line, if any. */
  flush(): string[] {
    const line = this.#end("");
    return line ? [line] : [];
  }

  /** Ends the pending line with `piece`; `null` for the rest of a cut line. */
  #end(piece: string): string | null {
    const skipped = this.#skipping;
    const parts = [...this.#pending, piece];
    const length = this.#pendingLength + piece.length;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#skipping = false;
    if (skipped) return null;
    if (length > this.#max) return this.#overlong(parts.join(""));
    return parts.join("");
  }

  /** Adds a piece without a newline; returns the cut line when it grew past the bound. */
  #add(piece: string): string | null {
    if (this.#skipping || !piece) return null;
    this.#pending.push(piece);
    this.#pendingLength += piece.length;
    if (this.#pendingLength <= this.#max) return null;
    const line = this.#overlong(this.#pending.join(""));
    this.#pending = [];
    this.#pendingLength = 0;
    this.#skipping = true;
    return line;
  }

  #overlong(line: string): string {
    if (this.#policy === "fail") {
      throw new LineTooLongError(`a line exceeded ${this.#max} characters`);
    }
    return line.slice(0, this.#max) + "…";
  }
}
