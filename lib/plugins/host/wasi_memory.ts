/**
 * The guest's memory as the WASI host sees it through the bridge (`../wasi_bridge.ts`): what
 * the bridge has copied so far, and the writes to send back.
 *
 * A WASI function runs against a {@link GuestMemory}; reading bytes the bridge has not copied
 * throws {@link NeedBytes}, the host asks the bridge for them and runs the function again from
 * the start with more bytes at hand. So a function reads everything it needs before it does
 * anything with an effect (a write to the log, a file), and runs its effect at most once.
 *
 * Private to the runtime.
 * @module
 */

/** WASI errno values rungpt answers with. */
export const Errno = {
  success: 0,
  badf: 8,
  fault: 21,
  inval: 28,
  nosys: 52,
  spipe: 70,
  notcapable: 76,
} as const;

/** A WASI function's own failure: it returns `errno` to the guest. */
export class WasiErrno extends Error {
  constructor(readonly errno: number) {
    super(`WASI errno ${errno}`);
  }
}

/** The guest memory ranges a function needs before it can run. */
export class NeedBytes extends Error {
  constructor(readonly ranges: [number, number][]) {
    super("need guest memory");
  }
}

/** Most bytes one round trip copies from the guest (functions cap what they read below it). */
export const MAX_TRANSFER = 1024 * 1024;

/** What the bridge copied of the guest's memory for one WASI call, and what to write back. */
export class GuestMemory {
  readonly #size: number;
  readonly #copied: { at: number; bytes: Uint8Array }[] = [];
  readonly writes: { at: number; bytes: Uint8Array }[] = [];

  constructor(pages: number) {
    this.#size = pages * 65536;
  }

  /** Adds bytes the bridge copied from `at`. */
  add(at: number, bytes: Uint8Array): void {
    this.#copied.push({ at, bytes });
  }

  /** Throws {@link WasiErrno} `fault` when `[at, at + len)` is outside the memory. */
  check(at: number, len: number): void {
    if (at < 0 || len < 0 || at + len > this.#size) throw new WasiErrno(Errno.fault);
  }

  /** The bytes of every range, asking for all the missing ones at once. */
  readAll(ranges: [number, number][]): Uint8Array[] {
    let total = 0;
    for (const [at, len] of ranges) {
      this.check(at, len);
      total += len;
    }
    if (total > MAX_TRANSFER) throw new WasiErrno(Errno.inval);
    const missing = ranges.filter(([at, len]) => len > 0 && !this.#find(at, len));
    if (missing.length) throw new NeedBytes(missing);
    return ranges.map(([at, len]) => len === 0 ? new Uint8Array() : this.#find(at, len)!);
  }

  read(at: number, len: number): Uint8Array {
    return this.readAll([[at, len]])[0];
  }

  u32(at: number): number {
    const b = this.read(at, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  /** Queues `bytes` to be written at `at` when the function returns. */
  write(at: number, bytes: Uint8Array): void {
    this.check(at, bytes.length);
    this.writes.push({ at, bytes });
  }

  writeU32(at: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    this.write(at, b);
  }

  writeU64(at: number, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(at, b);
  }

  #find(at: number, len: number): Uint8Array | undefined {
    for (const c of this.#copied) {
      if (at >= c.at && at + len <= c.at + c.bytes.length) {
        return c.bytes.subarray(at - c.at, at - c.at + len);
      }
    }
  }
}

/** The bridge's "copy me these ranges" answer. */
export function encodeNeed(ranges: [number, number][]): Uint8Array {
  const total = ranges.reduce((n, [, len]) => n + len, 0);
  const words = [0, ranges.length, total, ...ranges.flat()];
  const out = new Uint8Array(8 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(8 * i, BigInt(w), true));
  return out;
}

/** The bridge's "done" answer: the writes, then `result`. */
export function encodeDone(result: number, writes: GuestMemory["writes"]): Uint8Array {
  const padded = (n: number) => (n + 7) & ~7;
  const size = 24 + writes.reduce((n, w) => n + 16 + padded(w.bytes.length), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, 1n, true);
  view.setBigUint64(8, BigInt(result), true);
  view.setBigUint64(16, BigInt(writes.length), true);
  let at = 24;
  for (const w of writes) {
    view.setBigUint64(at, BigInt(w.at), true);
    view.setBigUint64(at + 8, BigInt(w.bytes.length), true);
    out.set(w.bytes, at + 16);
    at += 16 + padded(w.bytes.length);
  }
  return out;
}
