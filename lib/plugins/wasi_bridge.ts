/**
 * The WASI bridge: a tiny wasm module, linked beside a plugin that imports
 * `wasi_snapshot_preview1`, that carries each WASI call across to rungpt's host side
 * (`host/wasi.ts`).
 *
 * Why a bridge: `@extism/extism` runs the plugin in a worker and gives the host functions only
 * Extism's kernel blocks, never the guest's linear memory, where WASI passes everything (iovecs,
 * paths, result pointers). Under Deno the worker has no WASI of its own, and no code of
 * rungpt's can run inside it. So the memory moves: `prepareModule` takes the plugin's memory
 * definition out and imports it from this module, which defines it (with the same capped
 * limits) and so can read and write it.
 *
 * The protocol, one WASI call:
 *
 * 1. The plugin's stub for `fn` stores `[fn's index, memory pages, args...]` (u64 each) in a
 *    kernel block and hands it to the host's `step`.
 * 2. `step` answers with a block: either `[0, count, total, (ptr, len) × count]`, "copy me these
 *    ranges of guest memory", which the bridge copies into a new block of `total` bytes and
 *    hands to `step` again; or `[1, result, count, (ptr, len, bytes padded to 8) × count]`,
 *    "done: write these bytes into guest memory and return `result`".
 *
 * The host checks every range against the memory's size before it asks, so the bridge copies
 * blindly. Every block the bridge or the host creates is freed within the call.
 *
 * Private to the runtime.
 * @module
 */
import { concatBytes } from "../http/bytes.ts";
import { nameBytes, s64, section, u32, vector } from "./wasm_encode.ts";

/** The import module the plugin's WASI imports (and its memory) are renamed to. */
export const WASI_BRIDGE_MODULE = "rungpt:wasi";
/** The host module the bridge calls: one function, `step`. */
export const WASI_HOST_MODULE = "rungpt:wasi-host";

const I32 = 0x7f;
const I64 = 0x7e;
type ValType = typeof I32 | typeof I64;

/**
 * WASI preview 1's functions and their parameters (`i` i32, `I` i64); each returns an i32
 * errno except `proc_exit`, which returns nothing.
 */
export const WASI_FUNCTIONS: Readonly<Record<string, string>> = {
  args_get: "ii",
  args_sizes_get: "ii",
  environ_get: "ii",
  environ_sizes_get: "ii",
  clock_res_get: "ii",
  clock_time_get: "iIi",
  fd_advise: "iIIi",
  fd_allocate: "iII",
  fd_close: "i",
  fd_datasync: "i",
  fd_fdstat_get: "ii",
  fd_fdstat_set_flags: "ii",
  fd_fdstat_set_rights: "iII",
  fd_filestat_get: "ii",
  fd_filestat_set_size: "iI",
  fd_filestat_set_times: "iIIi",
  fd_pread: "iiiIi",
  fd_prestat_get: "ii",
  fd_prestat_dir_name: "iii",
  fd_pwrite: "iiiIi",
  fd_read: "iiii",
  fd_readdir: "iiiIi",
  fd_renumber: "ii",
  fd_seek: "iIii",
  fd_sync: "i",
  fd_tell: "ii",
  fd_write: "iiii",
  path_create_directory: "iii",
  path_filestat_get: "iiiii",
  path_filestat_set_times: "iiiiIIi",
  path_link: "iiiiiii",
  path_open: "iiiiiIIii",
  path_readlink: "iiiiii",
  path_remove_directory: "iii",
  path_rename: "iiiiii",
  path_symlink: "iiiii",
  path_unlink_file: "iii",
  poll_oneoff: "iiii",
  proc_exit: "i",
  proc_raise: "i",
  sched_yield: "",
  random_get: "ii",
  sock_accept: "iii",
  sock_recv: "iiiiii",
  sock_send: "iiiii",
  sock_shutdown: "ii",
};

/** True for a function of WASI preview 1. */
export function isWasiFunction(name: string): boolean {
  return Object.hasOwn(WASI_FUNCTIONS, name);
}

function paramTypes(name: string): ValType[] {
  return [...WASI_FUNCTIONS[name]].map((c) => (c === "I" ? I64 : I32));
}

const op = {
  unreachable: 0x00,
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load: [0x29, 0x00, 0x00],
  i32Load8U: [0x2d, 0x00, 0x00],
  i64Store: [0x37, 0x00, 0x00],
  i32Store8: [0x3a, 0x00, 0x00],
  memorySize: [0x3f, 0x00],
  i64Const: 0x42,
  i64Eqz: 0x50,
  i64GtU: 0x56,
  i64GeU: 0x5a,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64And: 0x83,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
};

// Types 0-5 are fixed; each stub's own type follows.
const T_I64_I64 = 0; // alloc, load_u64, step, run
const T_I64 = 1; // free
const T_I64_I64_VOID = 2; // store_u64
const T_I64_I32 = 3; // load_u8
const T_I64_I32_VOID = 4; // store_u8
const T_COPY = 5; // (i64, i64, i64) -> ()
const KERNEL = [
  ["alloc", T_I64_I64],
  ["free", T_I64],
  ["load_u64", T_I64_I64],
  ["store_u64", T_I64_I64_VOID],
  ["load_u8", T_I64_I32],
  ["store_u8", T_I64_I32_VOID],
] as const;
const F = {
  alloc: 0,
  free: 1,
  loadU64: 2,
  storeU64: 3,
  loadU8: 4,
  storeU8: 5,
  step: 6,
  copyIn: 7,
  copyOut: 8,
  run: 9,
};

/** A function body: its locals (all i64), then its code. */
function body(i64Locals: number, code: number[]): number[] {
  const decls = i64Locals ? [...u32(1), ...u32(i64Locals), I64] : [...u32(0)];
  const bytes = [...decls, ...code, op.end];
  return [...u32(bytes.length), ...bytes];
}

const get = (i: number) => [op.localGet, i];
const set = (i: number) => [op.localSet, i];
const k64 = (n: number | bigint) => [op.i64Const, ...s64(BigInt(n))];
/** `local[i] += n` */
const bump = (i: number, n: number[]) => [...get(i), ...n, op.i64Add, ...set(i)];
/** The guest address `local[a] + local[i]`, as i32. */
const guest = (a: number, i: number) => [...get(a), ...get(i), op.i64Add, op.i32WrapI64];
/** The kernel address `local[a] + local[i]`. */
const kernel = (a: number, i: number) => [...get(a), ...get(i), op.i64Add];

/**
 * A copy loop over local 3 (`i`): eight bytes at a time while they fit in `len` (local
 * `lenLocal`), then one at a time.
 */
function copyLoops(lenLocal: number, word: number[], byte: number[]): number[] {
  // deno-fmt-ignore
  return [
    ...k64(0), ...set(3),
    ...op.block, ...op.loop,
    ...get(3), ...k64(8), op.i64Add, ...get(lenLocal), op.i64GtU, op.brIf, 1,
    ...word, ...bump(3, k64(8)), op.br, 0,
    op.end, op.end,
    ...op.block, ...op.loop,
    ...get(3), ...get(lenLocal), op.i64GeU, op.brIf, 1,
    ...byte, ...bump(3, k64(1)), op.br, 0,
    op.end, op.end,
  ];
}

// copy_in(guestPtr, len, dst): guest memory -> kernel block.
const copyIn = body(
  1,
  copyLoops(
    1,
    [...kernel(2, 3), ...guest(0, 3), ...op.i64Load, op.call, F.storeU64],
    [...kernel(2, 3), ...guest(0, 3), ...op.i32Load8U, op.call, F.storeU8],
  ),
);

// copy_out(src, guestPtr, len): kernel block -> guest memory.
const copyOut = body(
  1,
  copyLoops(
    2,
    [...guest(1, 3), ...kernel(0, 3), op.call, F.loadU64, ...op.i64Store],
    [...guest(1, 3), ...kernel(0, 3), op.call, F.loadU8, ...op.i32Store8],
  ),
);

/** `load_u64(local[a] + n)` */
const field = (a: number, n: number) => [...get(a), ...k64(n), op.i64Add, op.call, F.loadU64];

// run(req) -> result. Locals: 1 resp, 2 count, 3 at, 4 k, 5 off, 6 len.
// deno-fmt-ignore
const run = body(6, [
  ...op.loop,
  ...get(0), op.call, F.step, ...set(1),
  ...get(0), op.call, F.free,
  ...get(1), op.call, F.loadU64, op.i64Eqz,
  ...op.if,
  // "copy me these ranges": a new request of `total` bytes (+8, never empty).
  ...field(1, 8), ...set(2),
  ...field(1, 16), ...k64(8), op.i64Add, op.call, F.alloc, ...set(0),
  ...k64(0), ...set(4), ...k64(0), ...set(5),
  ...op.block, ...op.loop,
  ...get(4), ...get(2), op.i64GeU, op.brIf, 1,
  ...get(1), ...k64(24), op.i64Add, ...get(4), ...k64(16), op.i64Mul, op.i64Add, ...set(3),
  ...get(3), op.call, F.loadU64,
  ...field(3, 8), op.localTee, 6,
  ...kernel(0, 5),
  op.call, F.copyIn,
  ...bump(5, get(6)), ...bump(4, k64(1)), op.br, 0,
  op.end, op.end,
  ...get(1), op.call, F.free,
  op.br, 1,
  op.end,
  // "done": write the ranges back, free the answer, return its result.
  ...field(1, 16), ...set(2),
  ...get(1), ...k64(24), op.i64Add, ...set(3),
  ...k64(0), ...set(4),
  ...op.block, ...op.loop,
  ...get(4), ...get(2), op.i64GeU, op.brIf, 1,
  ...field(3, 8), ...set(6),
  ...get(3), ...k64(16), op.i64Add,
  ...get(3), op.call, F.loadU64,
  ...get(6),
  op.call, F.copyOut,
  ...get(6), ...k64(7), op.i64Add, ...k64(-8), op.i64And, ...k64(16), op.i64Add,
  ...get(3), op.i64Add, ...set(3),
  ...bump(4, k64(1)), op.br, 0,
  op.end, op.end,
  ...field(1, 8), ...set(2),
  ...get(1), op.call, F.free,
  ...get(2), op.return,
  op.end,
  op.unreachable,
]);

/** The stub standing in for WASI function `name`, number `index` of the bridge's list. */
function stub(name: string, index: number): number[] {
  const params = paramTypes(name);
  const b = params.length; // the request block's local
  // deno-fmt-ignore
  const code = [
    ...k64(8 * (2 + params.length)), op.call, F.alloc, ...set(b),
    ...get(b), ...k64(index), op.call, F.storeU64,
    ...get(b), ...k64(8), op.i64Add, ...op.memorySize, op.i64ExtendI32U, op.call, F.storeU64,
    ...params.flatMap((t, i) => [
      ...get(b), ...k64(8 * (2 + i)), op.i64Add, ...get(i),
      ...(t === I32 ? [op.i64ExtendI32U] : []), op.call, F.storeU64,
    ]),
    ...get(b), op.call, F.run,
    ...(name === "proc_exit" ? [op.drop] : [op.i32WrapI64]),
  ];
  return body(1, code);
}

function stubType(name: string): number[] {
  const params = paramTypes(name);
  const results = name === "proc_exit" ? [] : [I32];
  return [0x60, ...u32(params.length), ...params, ...u32(results.length), ...results];
}

/** What {@link wasiBridge} needs. */
export interface BridgeOptions {
  /** The WASI functions the plugin imports, in the order the host numbers them. */
  functions: readonly string[];
  /** The plugin's memory limits, already capped: pages. */
  minPages: number;
  maxPages: number;
}

/**
 * Builds the bridge for one plugin: it exports `memory` and one stub per WASI function in
 * `functions` (each must be {@link isWasiFunction}).
 *
 * @example
 * ```ts
 * const bridge = wasiBridge({ functions: ["fd_write"], minPages: 2, maxPages: 1024 });
 * ```
 */
export function wasiBridge(opts: BridgeOptions): Uint8Array {
  const fns = opts.functions;
  const types = [
    [0x60, 1, I64, 1, I64],
    [0x60, 1, I64, 0],
    [0x60, 2, I64, I64, 0],
    [0x60, 1, I64, 1, I32],
    [0x60, 2, I64, I32, 0],
    [0x60, 3, I64, I64, I64, 0],
    ...fns.map(stubType),
  ];
  const imports = [
    ...KERNEL.map(([n, t]) => [...nameBytes("extism:host/env"), ...nameBytes(n), 0, t]),
    [...nameBytes(WASI_HOST_MODULE), ...nameBytes("step"), 0, T_I64_I64],
  ];
  const defined = [
    { type: T_COPY, code: copyIn },
    { type: T_COPY, code: copyOut },
    { type: T_I64_I64, code: run },
    ...fns.map((name, i) => ({ type: 6 + i, code: stub(name, i) })),
  ];
  const exports = [
    [...nameBytes("memory"), 2, 0],
    ...fns.map((name, i) => [...nameBytes(name), 0, ...u32(F.run + 1 + i)]),
  ];
  return concatBytes([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vector(types)),
    section(2, vector(imports)),
    section(3, vector(defined.map((d) => u32(d.type)))),
    section(5, vector([[0x01, ...u32(opts.minPages), ...u32(opts.maxPages)]])),
    section(7, vector(exports)),
    section(10, vector(defined.map((d) => d.code))),
  ]);
}
