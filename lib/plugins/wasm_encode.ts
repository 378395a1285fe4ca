/**
 * Encoders for the WebAssembly binary format, shared by the module rewriter
 * (`runtime_wasm.ts`) and the allocation guard (`runtime_guard.ts`). Private to the runtime.
 * @module
 */
import { concatBytes } from "../http/bytes.ts";

/** Unsigned LEB128 of a 32-bit value. */
export function u32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit value. */
export function s32(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (b & 0x40) === 0) || (value === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of a 64-bit value (an `i64.const` immediate). */
export function s64(value: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(value & 0x7fn);
    value >>= 7n;
    if ((value === 0n && (b & 0x40) === 0) || (value === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A name: its UTF-8 length, then its bytes. */
export function nameBytes(name: string): number[] {
  const b = new TextEncoder().encode(name);
  return [...u32(b.length), ...b];
}

/** A vector: the count of `entries`, then each. */
export function vector(entries: (Uint8Array | number[])[]): Uint8Array {
  return concatBytes([u32(entries.length), ...entries]);
}

/** A section: its id, its size, its body. */
export function section(id: number, body: Uint8Array | number[]): Uint8Array {
  return concatBytes([[id, ...u32(body.length)], body]);
}
