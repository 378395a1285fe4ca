/**
 * The allocation guard: a tiny wasm module, linked beside each plugin, that stands between the
 * plugin and the Extism kernel for every call that makes the host hold memory for it.
 *
 * Why: in `@extism/extism` 2.0.0-rc13 the kernel's `alloc` creates the buffer before it checks
 * `memory.maxPages`, and keeps it when the check fails; every block is then copied to the main
 * thread after the call. One `alloc(2 GiB)` froze the server. The guard checks first: a request
 * that would take the plugin's Extism blocks past its budget traps instead of reaching the
 * kernel, and the call ends with a `memory` error.
 *
 * How: `prepareModule` renames the plugin's imports of `alloc`, `free`, `log_*`, `config_get`,
 * `var_get`, Extism's `http_request` and `http_headers`, and of every host API to this module
 * (`rungpt:guard`), which forwards them to the real ones and keeps the books:
 *
 * - every block handed to the plugin (its own `alloc`s, host API, `config_get`/`var_get` and
 *   HTTP results) is charged its size plus {@link BLOCK_OVERHEAD} and marked in a bitmap by
 *   index: one budget for everything the kernel holds for the plugin;
 * - a marked block that is freed (`free`, or the kernel freeing it in `log_*`, `config_get`,
 *   `var_get`) is credited back; blocks the plugin did not get from the guard are never credited;
 * - at most {@link MAX_LIVE_BLOCKS} charged blocks at once, and block indices at or past
 *   {@link MAX_BLOCK_INDEX} are refused (the kernel's addresses hold 15 usable bits of index, so
 *   more blocks would alias).
 *
 * The books are cleared when the runtime resets the kernel's blocks, after every call: it calls
 * the plugin's added export {@link GUARD_RESET}, which calls the guard's `alloc` with a secret value baked
 * into both modules (the plugin cannot read its own code, so it cannot reset the books). The
 * secret plus one asks whether the guard tripped, so the memory probe can report it.
 *
 * Private to the runtime.
 * @module
 */
import { concatBytes } from "../http/bytes.ts";
import { nameBytes, s32, s64, section, u32, vector } from "./wasm_encode.ts";
import { EXTISM_HTTP_MODULE } from "./host/extism_http.ts";

/** The import module name the plugin's guarded imports are renamed to. */
export const GUARD_MODULE = "rungpt:guard";
/** Export added to the plugin: clears the guard's books (after a kernel reset). */
export const GUARD_RESET = "__rungpt_guard_reset";
/** What each block costs beyond its bytes: the host's bookkeeping for it. */
export const BLOCK_OVERHEAD = 128;
/** Block indices from here on are refused: the kernel reads an address as a signed i64. */
export const MAX_BLOCK_INDEX = 32767;
/**
 * Blocks the plugin may hold at once: each is copied to the main thread as its own buffer after
 * the call, so their number, not only their bytes, bounds how long that copy blocks the server.
 */
export const MAX_LIVE_BLOCKS = 4096;

/** Kernel functions the guard wraps, and how: `credit` first frees (or the kernel frees) its argument. */
const EXTISM_WRAPPED = {
  alloc: "alloc",
  free: "credit",
  log_warn: "credit",
  log_info: "credit",
  log_debug: "credit",
  log_error: "credit",
  log_trace: "credit",
  config_get: "credit_charge",
  var_get: "credit_charge",
} as const;
type ExtismWrapped = keyof typeof EXTISM_WRAPPED;

/** True for an `extism:host/env` function the guard stands in for. */
export function isGuardedExtism(name: string): name is ExtismWrapped {
  return Object.hasOwn(EXTISM_WRAPPED, name);
}

/** Extism HTTP functions whose result blocks the guard charges (`http_status_code` returns none). */
const HTTP_CHARGED = ["http_request", "http_headers"] as const;

/** True for an Extism HTTP function the guard stands in for. */
export function isGuardedHttp(name: string): boolean {
  return (HTTP_CHARGED as readonly string[]).includes(name);
}

/** The guard's export name for host API function `index` of its list. */
export function guardApiName(index: number): string {
  return `api${index}`;
}

/** What {@link guardModule} needs. */
export interface GuardOptions {
  /** Bytes (including {@link BLOCK_OVERHEAD} per block) the plugin's blocks may hold at once. */
  budget: number;
  /** The reset value; `secret + 1n` queries whether the guard tripped. Below 2^63 - 1. */
  secret: bigint;
  /** The host API functions the plugin imports, in the order of {@link guardApiName}. */
  apis: readonly { module: string; name: string }[];
}

/** A fresh secret for {@link GuardOptions.secret}. */
export function newGuardSecret(): bigint {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  // In [2^62, 2^63 - 2]: positive, and secret + 1 still fits an i64.
  return (1n << 62n) | ((BigInt(hi) & 0x3fffffffn) << 32n) | BigInt(lo);
}

// Opcodes used below.
const op = {
  unreachable: 0x00,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  return: 0x0f,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  load8: [0x2d, 0x00, 0x00],
  store8: [0x3a, 0x00, 0x00],
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i64LtU: 0x54,
  i64GtU: 0x56,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
  memoryFill: [0xfc, 0x0b, 0x00],
  void: 0x40,
};

const T_I64_I64 = 0; // (i64) -> i64
const T_I64 = 1; // (i64) -> ()
const T_VOID = 2; // () -> ()
const T_I64_I64_I64 = 3; // (i64, i64) -> i64
const T_TO_I64 = 4; // () -> i64
const G_USED = 0; // i64: bytes charged
const G_TRIPPED = 1; // i32: 1 once a request was refused
const G_LIVE = 2; // i32: charged blocks not yet credited
const BITMAP_BYTES = (MAX_BLOCK_INDEX + 1) / 8;
const EXTISM_IMPORTS = ["alloc", "free", "length", ...Object.keys(EXTISM_WRAPPED).slice(2)];
const IMPORT = Object.fromEntries(EXTISM_IMPORTS.map((n, i) => [n, i]));
/** Index of the first HTTP import (`rungpt:extism-http`), after the kernel's. */
const HTTP_BASE = EXTISM_IMPORTS.length;
/** Index of the first host API import, after the HTTP ones. */
const API_BASE = HTTP_BASE + HTTP_CHARGED.length;

/** A function body: its locals (each one i32 or i64), then its code. */
function body(locals: ("i32" | "i64")[], code: number[]): number[] {
  const decls = locals.map((t) => [...u32(1), t === "i32" ? 0x7f : 0x7e]).flat();
  const bytes = [...u32(locals.length), ...decls, ...code, op.end];
  return [...u32(bytes.length), ...bytes];
}

/** `idx = (addr >> 48) as i32` for the address in local 0, into local `to`. */
function blockIndex(to: number): number[] {
  return [op.localGet, 0, op.i64Const, 48, op.i64ShrU, op.i32WrapI64, op.localTee, to];
}

/**
 * Builds the guard module for one plugin.
 *
 * @example
 * ```ts
 * const guard = guardModule({ budget: 64 << 20, secret: newGuardSecret(), apis: [] });
 * ```
 */
export function guardModule(opts: GuardOptions): Uint8Array {
  const apis = opts.apis;
  const base = API_BASE + apis.length; // first defined function
  const F = { trip: base, charge: base + 1, credit: base + 2 };
  const budget = s64(BigInt(opts.budget));
  const overhead = s64(BigInt(BLOCK_OVERHEAD));
  const maxIndex = s32(MAX_BLOCK_INDEX);
  // deno-fmt-ignore
  const bit = (idx: number) => [op.i32Const, 1, op.localGet, idx, op.i32Const, 7, op.i32And, op.i32Shl];
  const byteAddr = (idx: number) => [op.localGet, idx, op.i32Const, 3, op.i32ShrU];
  const tripIf = (cond: number[]) => [...cond, op.if, op.void, op.call, F.trip, op.end];

  const trip = body([], [op.i32Const, 1, op.globalSet, G_TRIPPED, op.unreachable]);
  // charge(addr): locals 1 idx, 2 cost
  // deno-fmt-ignore
  const charge = body(["i32", "i64"], [
    op.localGet, 0, op.i64Eqz, op.if, op.void, op.return, op.end,
    ...tripIf([...blockIndex(1), op.i32Const, ...maxIndex, op.i32GeU]),
    op.localGet, 0, op.call, IMPORT.length, op.i64Const, ...overhead, op.i64Add, op.localSet, 2,
    ...tripIf([op.localGet, 2, op.i64Const, ...budget, op.globalGet, G_USED, op.i64Sub, op.i64GtU]),
    ...tripIf([op.globalGet, G_LIVE, op.i32Const, ...s32(MAX_LIVE_BLOCKS), op.i32GeU]),
    op.globalGet, G_USED, op.localGet, 2, op.i64Add, op.globalSet, G_USED,
    op.globalGet, G_LIVE, op.i32Const, 1, op.i32Add, op.globalSet, G_LIVE,
    ...byteAddr(1), ...byteAddr(1), ...op.load8, ...bit(1), op.i32Or, ...op.store8,
  ]);
  // credit(addr): locals 1 idx, 2 byte, 3 mask, 4 cost
  // deno-fmt-ignore
  const credit = body(["i32", "i32", "i32", "i64"], [
    ...blockIndex(1), op.i32Const, ...maxIndex, op.i32GeU, op.if, op.void, op.return, op.end,
    ...byteAddr(1), ...op.load8, op.localSet, 2,
    ...bit(1), op.localTee, 3, op.localGet, 2, op.i32And, op.i32Eqz,
    op.if, op.void, op.return, op.end,
    ...byteAddr(1), op.localGet, 2, op.localGet, 3, op.i32Xor, ...op.store8,
    op.globalGet, G_LIVE, op.i32Const, 1, op.i32Sub, op.globalSet, G_LIVE,
    op.localGet, 0, op.call, IMPORT.length, op.i64Const, ...overhead, op.i64Add, op.localSet, 4,
    op.globalGet, G_USED, op.localGet, 4, op.i64LtU,
    op.if, op.void, op.i64Const, 0, op.globalSet, G_USED,
    op.else, op.globalGet, G_USED, op.localGet, 4, op.i64Sub, op.globalSet, G_USED, op.end,
  ]);
  // alloc(n): local 1 the block's address
  // deno-fmt-ignore
  const alloc = body(["i64"], [
    op.localGet, 0, op.i64Const, ...s64(opts.secret), op.i64Eq, op.if, op.void,
    op.i64Const, 0, op.globalSet, G_USED, op.i32Const, 0, op.globalSet, G_TRIPPED,
    op.i32Const, 0, op.globalSet, G_LIVE,
    op.i32Const, 0, op.i32Const, 0, op.i32Const, ...s32(BITMAP_BYTES), ...op.memoryFill,
    op.i64Const, 0, op.return, op.end,
    op.localGet, 0, op.i64Const, ...s64(opts.secret + 1n), op.i64Eq, op.if, op.void,
    op.globalGet, G_TRIPPED, op.i64ExtendI32U, op.return, op.end,
    // n alone above the budget, or n plus what is held: refused before the kernel sees it.
    ...tripIf([op.localGet, 0, op.i64Const, ...budget, op.i64GtU]),
    ...tripIf([
      op.localGet, 0, op.i64Const, ...overhead, op.i64Add,
      op.i64Const, ...budget, op.globalGet, G_USED, op.i64Sub, op.i64GtU,
    ]),
    ...tripIf([op.localGet, 0, op.call, IMPORT.alloc, op.localTee, 1, op.i64Eqz]),
    op.localGet, 1, op.call, F.charge, op.localGet, 1,
  ]);
  // deno-fmt-ignore
  const credited = (imp: number) =>
    body([], [op.localGet, 0, op.call, F.credit, op.localGet, 0, op.call, imp]);
  // deno-fmt-ignore
  const creditCharged = (imp: number) =>
    body(["i64"], [
      op.localGet, 0, op.call, F.credit,
      op.localGet, 0, op.call, imp, op.localTee, 1, op.call, F.charge, op.localGet, 1,
    ]);
  // deno-fmt-ignore
  const charged = (imp: number) =>
    body(["i64"], [op.localGet, 0, op.call, imp, op.localTee, 1, op.call, F.charge, op.localGet, 1]);

  const defined: { type: number; code: number[]; export?: string }[] = [
    { type: T_VOID, code: trip },
    { type: T_I64, code: charge },
    { type: T_I64, code: credit },
  ];
  for (const [name, how] of Object.entries(EXTISM_WRAPPED)) {
    const imp = IMPORT[name];
    if (how === "alloc") defined.push({ type: T_I64_I64, code: alloc, export: name });
    if (how === "credit") defined.push({ type: T_I64, code: credited(imp), export: name });
    if (how === "credit_charge") {
      defined.push({ type: T_I64_I64, code: creditCharged(imp), export: name });
    }
  }
  // deno-fmt-ignore
  const chargedHttp = [
    // http_request(req, body): local 2 the response block
    body(["i64"], [op.localGet, 0, op.localGet, 1, op.call, HTTP_BASE, op.localTee, 2, op.call, F.charge, op.localGet, 2]),
    // http_headers(): local 0 the headers block
    body(["i64"], [op.call, HTTP_BASE + 1, op.localTee, 0, op.call, F.charge, op.localGet, 0]),
  ];
  defined.push({ type: T_I64_I64_I64, code: chargedHttp[0], export: HTTP_CHARGED[0] });
  defined.push({ type: T_TO_I64, code: chargedHttp[1], export: HTTP_CHARGED[1] });
  apis.forEach((_, i) => {
    defined.push({ type: T_I64_I64, code: charged(API_BASE + i), export: guardApiName(i) });
  });

  const extismType = (
    n: string,
  ) => (["alloc", "length", "config_get", "var_get"].includes(n) ? T_I64_I64 : T_I64);
  const imports = [
    ...EXTISM_IMPORTS.map((
      n,
    ) => [...nameBytes("extism:host/env"), ...nameBytes(n), 0, extismType(n)]),
    [...nameBytes(EXTISM_HTTP_MODULE), ...nameBytes(HTTP_CHARGED[0]), 0, T_I64_I64_I64],
    [...nameBytes(EXTISM_HTTP_MODULE), ...nameBytes(HTTP_CHARGED[1]), 0, T_TO_I64],
    ...apis.map((a) => [...nameBytes(a.module), ...nameBytes(a.name), 0, T_I64_I64]),
  ];
  const exports = defined.flatMap((d, i) =>
    d.export ? [[...nameBytes(d.export), 0, ...u32(base + i)]] : []
  );
  const memPages = Math.ceil(BITMAP_BYTES / 65536);
  return concatBytes([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(
      1,
      vector([
        [0x60, 1, 0x7e, 1, 0x7e],
        [0x60, 1, 0x7e, 0],
        [0x60, 0, 0],
        [0x60, 2, 0x7e, 0x7e, 1, 0x7e],
        [0x60, 0, 1, 0x7e],
      ]),
    ),
    section(2, vector(imports)),
    section(3, vector(defined.map((d) => u32(d.type)))),
    section(5, vector([[0x01, ...u32(memPages), ...u32(memPages)]])),
    section(
      6,
      vector([
        [0x7e, 0x01, op.i64Const, 0, op.end], // used
        [0x7f, 0x01, op.i32Const, 0, op.end], // tripped
        [0x7f, 0x01, op.i32Const, 0, op.end], // live
      ]),
    ),
    section(7, vector(exports)),
    section(10, vector(defined.map((d) => d.code))),
  ]);
}
