/**
 * A decoder for HTTP/1.1 `Transfer-Encoding: chunked` bodies that accepts bytes split at any
 * position and returns, for each piece fed in, all the payload it completed, as one array.
 * @module
 */
import { concatBytes } from "./bytes.ts";

/** Thrown on a body that is not valid chunked encoding. */
export class ChunkedEncodingError extends Error {
  override name = "ChunkedEncodingError";
}

/** The longest size or trailer line accepted (extensions included). */
const MAX_LINE = 8 * 1024;

const CR = 13;
const LF = 10;

type State =
  | "size" // reading "<hex>[;ext]\r\n"
  | "data" // `remaining` payload bytes to go
  | "data_end" // the CRLF after a chunk's payload
  | "trailer" // header lines after the last chunk, up to an empty line
  | "done";

/** A stateful chunked-body decoder. */
export interface ChunkedDecoder {
  /** Decodes `bytes`; returns the payload they completed (possibly empty). */
  push(bytes: Uint8Array): Uint8Array;
  /** True once the last chunk and the trailer have been read. */
  readonly done: boolean;
}

/**
 * Creates a decoder. Bytes after the end of the body are ignored (the connection is closed
 * after each response).
 *
 * @example
 * ```ts
 * const decoder = createChunkedDecoder();
 * decoder.push(new TextEncoder().encode("5\r\nhel")); // "hel"
 * decoder.push(new TextEncoder().encode("lo\r\n0\r\n\r\n")); // "lo"
 * decoder.done; // true
 * ```
 */
export function createChunkedDecoder(): ChunkedDecoder {
  let state: State = "size";
  let remaining = 0;
  let line = ""; // the size or trailer line read so far, without CR LF
  let sawCR = false;

  // Reads a line from `bytes` at `i`; returns the index after it, or -1 if it goes on.
  const readLine = (bytes: Uint8Array, i: number): number => {
    for (; i < bytes.length; i++) {
      const b = bytes[i];
      if (sawCR) {
        if (b !== LF) throw new ChunkedEncodingError("a line of the chunked body lacks its LF");
        sawCR = false;
        return i + 1;
      }
      if (b === CR) sawCR = true;
      else if (b === LF) return i + 1; // a bare LF, as lenient parsers accept
      else {
        if (line.length >= MAX_LINE) {
          throw new ChunkedEncodingError("a line of the chunked body is too long");
        }
        line += String.fromCharCode(b);
      }
    }
    return -1;
  };

  return {
    get done() {
      return state === "done";
    },
    push(bytes) {
      const parts: Uint8Array[] = [];
      let i = 0;
      while (i < bytes.length && state !== "done") {
        if (state === "data") {
          const take = Math.min(remaining, bytes.length - i);
          parts.push(bytes.subarray(i, i + take));
          i += take;
          remaining -= take;
          if (remaining === 0) state = "data_end";
          continue;
        }
        const next = readLine(bytes, i);
        if (next < 0) break;
        i = next;
        const text = line;
        line = "";
        if (state === "size") {
          const hex = text.split(";", 1)[0].trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
            throw new ChunkedEncodingError(`bad chunk size "${hex.slice(0, 20)}"`);
          }
          remaining = parseInt(hex, 16);
          state = remaining === 0 ? "trailer" : "data";
        } else if (state === "data_end") {
          if (text !== "") throw new ChunkedEncodingError("a chunk is longer than its size");
          state = "size";
        } else if (text === "") {
          state = "done"; // the empty line that ends the trailer
        }
      }
      return concatBytes(parts);
    },
  };
}
