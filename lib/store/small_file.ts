/**
 * Reading the small files of the data dir (settings, token) without trusting their size: a
 * file that something else made huge must not make rungpt read all of it into memory.
 * @module
 */

/** A file is larger than the caller allows. */
export class FileTooLargeError extends Error {
  override name = "FileTooLargeError";
  constructor(readonly path: string, readonly maxBytes: number) {
    super(`${path} is larger than ${maxBytes} bytes`);
  }
}

/**
 * The text of `path` (UTF-8), reading at most `maxBytes + 1` bytes of it.
 *
 * @throws {FileTooLargeError} when the file holds more than `maxBytes` bytes.
 * @throws {Deno.errors.NotFound} and the other errors of `Deno.open`.
 *
 * @example
 * ```ts
 * const text = await readSmallTextFile("/home/me/.local/share/rungpt/settings.json", 1 << 20);
 * ```
 */
export async function readSmallTextFile(path: string, maxBytes: number): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(maxBytes + 1);
  let used = 0;
  while (used < buf.length) {
    const n = await file.read(buf.subarray(used));
    if (n === null) break;
    used += n;
  }
  if (used > maxBytes) throw new FileTooLargeError(path, maxBytes);
  return new TextDecoder().decode(buf.subarray(0, used));
}
