/**
 * What rungpt learnt about its upstreams while relaying: today, which have no
 * `/v1/responses` (so `/v1/responses` is translated to Chat Completions for them at once,
 * without asking again). Kept for the server's life in its services; after a restart the
 * first request asks once more.
 * @module
 */

/**
 * Per upstream (by base URL) facts.
 *
 * @example
 * ```ts
 * const features = new UpstreamFeatures();
 * features.markNoResponses("http://127.0.0.1:11434/v1");
 * features.hasResponses("http://127.0.0.1:11434/v1"); // false
 * ```
 */
export class UpstreamFeatures {
  /** Bounded: base URLs come from settings, but a long-lived server may see many. */
  static readonly MAX = 64;
  #noResponses = new Set<string>();

  /** False once the upstream answered `/responses` with "no such endpoint". */
  hasResponses(baseURL: string): boolean {
    return !this.#noResponses.has(baseURL);
  }

  markNoResponses(baseURL: string): void {
    if (this.#noResponses.size >= UpstreamFeatures.MAX) {
      this.#noResponses.delete(this.#noResponses.values().next().value!);
    }
    this.#noResponses.add(baseURL);
  }
}
