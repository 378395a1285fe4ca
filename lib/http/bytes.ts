/**
 * Byte helpers for rungpt's own code. This is the lowest layer (see docs/architecture.md), so
 * the HTTP client, the git runner, `rungpt:net`, the wasm tools and the island cache share them.
 * @module
 */

/**
 * `parts` joined into one new array.
 *
 * @example
 * ```ts
 * concatBytes([new Uint8Array([1]), [2, 3]]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
