/**
 * Sizes in words, for quotas: `"500MB"` to bytes and back (npm `bytes`, where `KB`, `MB`, `GB`
 * are powers of 1024). Pure (no Deno APIs), so the browser's consent dialog formats the same way.
 * @module
 */
// @ts-types="@types/bytes"
import bytes from "bytes";

/** A size as `bytes` parses it: a number, then an optional unit. */
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\s*$/i;

/**
 * A byte count in words, e.g. `"100 MB"`.
 *
 * @example
 * ```ts
 * formatSize(100 * 1024 * 1024); // "100 MB"
 * ```
 */
export function formatSize(n: number): string {
  return bytes.format(n, { unitSeparator: " " }) ?? `${n} B`;
}

/**
 * Parses a size such as `500MB`, `1.5 GB`, `2GiB` or `4096` (bytes) to a whole number of bytes;
 * throws naming the text when it is not one. `KiB`, `MiB`, … mean the same as `KB`, `MB`, ….
 *
 * @example
 * ```ts
 * parseSize("500MB"); // 524288000
 * ```
 */
export function parseSize(text: string): number {
  const match = SIZE.exec(text);
  // `bytes.parse` alone reads "1.5 GiB" as 1 and "1e3" as 1: only a checked shape reaches it.
  const n = match ? bytes.parse(`${match[1]}${(match[2] ?? "b").replace(/i/i, "")}`) : null;
  if (n === null || !Number.isFinite(n)) {
    throw new Error(`"${text}" is not a size; write it like 500MB, 2GB or 1048576 (bytes)`);
  }
  return Math.floor(n);
}
