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
  #pending = "";
  #skipping = false;
  readonly #max: number;
  readonly #policy: OverlongPolicy;

  constructor(maxChars: number, policy: OverlongPolicy) {
    this.#max = maxChars;
    this.#policy = policy;
  }

  /** Adds a chunk; returns the lines it completed (without their `\n` or `\r\n`). */
  push(chunk: string): string[] {
    const parts = (this.#pending + chunk).split("\n");
    this.#pending = parts.pop() ?? "";
    const out: string[] = [];
    for (const part of parts) {
      if (this.#skipping) this.#skipping = false; // the rest of a line already cut
      else out.push(this.#clamp(part.endsWith("\r") ? part.slice(0, -1) : part));
    }
    if (this.#pending.length > this.#max) {
      if (this.#policy === "fail") {
        throw new LineTooLongError(`a line exceeded ${this.#max} characters`);
      }
      if (!this.#skipping) out.push(this.#clamp(this.#pending));
      this.#pending = "";
      this.#skipping = true;
    }
    return out;
  }

  /** The last unterminated line, if any. */
  flush(): string[] {
    const rest = this.#pending;
    this.#pending = "";
    return rest && !this.#skipping ? [rest] : [];
  }

  #clamp(line: string): string {
    if (line.length <= this.#max) return line;
    if (this.#policy === "fail") {
      throw new LineTooLongError(`a line exceeded ${this.#max} characters`);
    }
    return line.slice(0, this.#max) + "…";
  }
}
