/**
 * Rewrites a plugin's wasm binary before it is compiled, so the runtime can bound it:
 *
 * - Caps the guest's own linear memory: every memory's limits get a maximum of at most
 *   `maxPages` (Extism JS's `memory.maxPages` only caps host-side buffers). A module whose
 *   initial memory is already larger, or that imports its memory, or uses memory64 or shared
 *   memory, is refused. `memory.grow` past the cap then fails inside the guest, as wasm defines.
 * - Caps tables the same way (a table without a maximum could grow without end).
 * - Moves start-up code out of instantiation: the `start` section and the `_initialize` export
 *   become plain exports the runtime calls under its own time limit (Extism would otherwise run
 *   them while instantiating, where a runaway loop cannot be interrupted cleanly). A WASI
 *   command's `_start` (its `main`) is renamed and never run.
 * - For a module that imports WASI preview 1: takes its memory definition out and imports the
 *   memory from the WASI bridge (`wasi_bridge.ts`), which defines it with the same capped
 *   limits, and renames its WASI imports to the bridge's stubs. A WASI import that is no WASI
 *   preview 1 function, or a WASI module without a memory of its own, is refused.
 * - Routes `alloc`, `free`, `log_*`, `config_get`, `var_get` and every host API import through
 *   the allocation guard (`runtime_guard.ts`), which bounds what the Extism kernel holds for the
 *   plugin, and adds the export that clears the guard's books.
 * - Renames the imports of Extism's `http_request`, `http_status_code` and `http_headers` to
 *   rungpt's checked versions (`host/extism_http.ts`): `http_status_code` straight to
 *   `rungpt:extism-http`, the two that return blocks through the guard, which charges them.
 * - Adds one tiny export, {@link MEMORY_PROBE}, that traps when the guest's memory is within
 *   `slackPages` of the cap (default: half the cap), or when the guard refused a request: after
 *   a trap the runtime calls it to tell "ran out of memory" apart from other traps. Half,
 *   because allocators that double their heap fail with half the cap still unused; a trap for
 *   another reason while memory is above half the cap is therefore also reported as a memory
 *   overrun (with the trap's message).
 *
 * Private to the runtime.
 * @module
 */
import { concatBytes } from "../http/bytes.ts";
import { PluginError } from "./runtime_errors.ts";
import { nameBytes, s32, s64, u32 } from "./wasm_encode.ts";
import { EXTISM_HTTP_FUNCTIONS, EXTISM_HTTP_MODULE } from "./host/extism_http.ts";
import { isWasiFunction, WASI_BRIDGE_MODULE, wasiBridge } from "./wasi_bridge.ts";
import {
  GUARD_MODULE,
  GUARD_RESET,
  guardApiName,
  guardModule,
  isGuardedExtism,
  isGuardedHttp,
  newGuardSecret,
} from "./runtime_guard.ts";

/** Export added by {@link prepareModule}; traps when memory is (nearly) at the cap. */
export const MEMORY_PROBE = "__rungpt_memory_full";
/** Export name given to the module's `start` function, if it had one. */
export const START_EXPORT = "__rungpt_start";
/** Export name given to the module's `_initialize` export, if it had one. */
export const INITIALIZE_EXPORT = "__rungpt_initialize";
/** Export name given to a WASI command's `_start`, which rungpt never runs. */
export const COMMAND_START = "__rungpt_command_start";

const PAGE = 65536;
/** Largest table a plugin may declare or grow to (entries). */
const TABLE_MAX = 100_000;

/** What {@link prepareModule} produced. */
export interface PreparedModule {
  /** The rewritten binary. */
  bytes: Uint8Array;
  /** Exports to call once, in order, after instantiation (start code). */
  initExports: string[];
  /** The memory probe export, or null when the module has no memory and no `alloc`. */
  probe: string | null;
  /** The allocation guard to link as {@link GUARD_MODULE}, or null when nothing needs it. */
  guard: Uint8Array | null;
  /** The export that clears the guard's books, or null when the module imports no `alloc`. */
  guardReset: string | null;
  /** The module's imports as written (before the guard's renames). */
  imports: WebAssembly.ModuleImportDescriptor[];
  /**
   * The WASI bridge to link as {@link WASI_BRIDGE_MODULE} and the WASI functions it carries, in
   * its order; null when the module imports no WASI.
   */
  wasi: { bridge: Uint8Array; functions: string[] } | null;
}

interface Section {
  id: number;
  body: Uint8Array;
}

/** Order of known sections in a valid module (custom sections, id 0, go anywhere). */
const SECTION_RANK: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}
  u8(): number {
    if (this.pos >= this.bytes.length) throw invalid("unexpected end of module");
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) throw invalid("malformed LEB128 integer");
    }
    if (result > 0xffffffff) throw invalid("integer too large");
    return result;
  }
  /** Skips an unsigned LEB128 of up to 64 bits (memory64 limits). */
  u64(): void {
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    throw invalid("malformed LEB128 integer");
  }
  bytesN(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw invalid("unexpected end of module");
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name(): string {
    return new TextDecoder().decode(this.bytesN(this.u32()));
  }
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
}

function invalid(message: string): PluginError {
  return new PluginError("invalid", `invalid wasm module: ${message}`);
}

function readSections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes);
  const magic = r.bytesN(8);
  const expected = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (!expected.every((b, i) => magic[i] === b)) {
    throw invalid("not a wasm binary (bad magic or version)");
  }
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    sections.push({ id, body: r.bytesN(size) });
  }
  return sections;
}

/** Reads limits, returning [hasMax, min, max]; refuses memory64 and shared memories. */
function readLimits(r: Reader, what: string): [boolean, number, number] {
  const flags = r.u8();
  if (flags & 0x04) throw invalid(`${what} uses 64-bit limits, which rungpt does not support`);
  if (flags & 0x02) throw invalid(`${what} is shared, which rungpt does not support`);
  if (flags > 0x01) throw invalid(`${what} has unknown limit flags ${flags}`);
  const min = r.u32();
  const max = flags & 0x01 ? r.u32() : -1;
  return [max >= 0, min, max];
}

function cappedLimits(r: Reader, cap: number, what: string): number[] {
  const [hasMax, min, max] = readLimits(r, what);
  if (min > cap) {
    throw new PluginError(
      "memory",
      `${what} starts at ${min} pages, above the limit of ${cap} pages`,
    );
  }
  const newMax = hasMax ? Math.min(max, cap) : cap;
  return [0x01, ...u32(min), ...u32(newMax)];
}

/** A vector section: its count and the raw bytes of its entries. */
function vec(body: Uint8Array): { count: number; rest: Uint8Array } {
  const r = new Reader(body);
  const count = r.u32();
  return { count, rest: body.subarray(r.pos) };
}

function withEntries(count: number, entries: (Uint8Array | number[])[]): Uint8Array {
  return concatBytes([u32(count), ...entries]);
}

/**
 * Rewrites `bytes` as described in the module documentation.
 *
 * @example
 * ```ts
 * const { bytes, probe } = prepareModule(wasm, { maxPages: 1024 }); // 64 MiB
 * ```
 */
export function prepareModule(
  input: Uint8Array,
  opts: { maxPages: number; slackPages?: number },
): PreparedModule {
  const sections = readSections(input);
  const cap = opts.maxPages;
  const scan = scanImports(sections);
  const importedFuncs = scan.importedFuncs;
  let memories = 0;
  const secret = newGuardSecret();
  const guard = scan.guarded ? guardModule({ budget: cap * PAGE, secret, apis: scan.apis }) : null;

  let definedFuncs = 0;
  let startFunc = -1;
  let wasiMemory: number[] | null = null;
  const out: Section[] = [];
  for (const s of sections) {
    if (s.id === 3) definedFuncs = vec(s.body).count;
    if (s.id === 5) {
      const r = new Reader(s.body);
      const n = r.u32();
      memories += n;
      const entries: number[][] = [];
      for (let i = 0; i < n; i++) entries.push(cappedLimits(r, cap, `memory ${i}`));
      // With WASI, the bridge defines the memory and the module imports it (wasi_bridge.ts).
      if (scan.wasi.length && n === 1) wasiMemory = entries[0];
      else out.push({ id: 5, body: withEntries(n, entries) });
    } else if (s.id === 4) {
      const r = new Reader(s.body);
      const n = r.u32();
      const entries: number[][] = [];
      for (let i = 0; i < n; i++) {
        const refType = r.u8();
        const [hasMax, min, max] = readLimits(r, `table ${i}`);
        if (min > TABLE_MAX) throw invalid(`table ${i} starts above ${TABLE_MAX} entries`);
        const newMax = hasMax ? Math.min(max, TABLE_MAX) : TABLE_MAX;
        entries.push([refType, 0x01, ...u32(min), ...u32(newMax)]);
      }
      if (!r.done) throw invalid("table section uses an unsupported encoding");
      out.push({ id: 4, body: withEntries(n, entries) });
    } else if (s.id === 8) {
      startFunc = new Reader(s.body).u32();
    } else out.push(s);
  }
  if (memories > 1) throw invalid(`defines ${memories} memories; rungpt supports at most one`);
  if (scan.wasi.length && !wasiMemory) {
    throw invalid("imports WASI but defines no memory; a WASI module must define its own");
  }

  // Re-encode exports: rename `_initialize`, export the start function and the probe.
  const initExports: string[] = [];
  const exports: number[][] = [];
  let hadInitialize = false;
  const exportSection = out.find((s) => s.id === 7);
  if (exportSection) {
    const r = new Reader(exportSection.body);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      let name = r.name();
      const kind = r.u8();
      const index = r.u32();
      if (
        [MEMORY_PROBE, START_EXPORT, INITIALIZE_EXPORT, GUARD_RESET, COMMAND_START].includes(name)
      ) {
        throw invalid(`exports the reserved name "${name}"`);
      }
      if (name === "_initialize" && kind === 0) {
        name = INITIALIZE_EXPORT;
        hadInitialize = true;
      }
      // Extism would run a command's main while instantiating, beyond any time limit.
      if (name === "_start" && kind === 0) name = COMMAND_START;
      exports.push([...nameBytes(name), kind, ...u32(index)]);
    }
  }
  if (startFunc >= 0) {
    exports.push([...nameBytes(START_EXPORT), 0, ...u32(startFunc)]);
    initExports.push(START_EXPORT);
  }
  if (hadInitialize) initExports.push(INITIALIZE_EXPORT);

  // Functions added below: the probe, then the guard's reset.
  let next = importedFuncs + definedFuncs;
  let probe: string | null = null;
  const voidType = memories === 1 || scan.alloc >= 0 ? appendEntry(out, 1, [0x60, 0x00, 0x00]) : -1;
  if (memories === 1 || scan.alloc >= 0) {
    probe = MEMORY_PROBE;
    const slack = opts.slackPages ?? Math.floor(cap / 2);
    // deno-fmt-ignore
    const code = [
      // (if (i32.ge_u (memory.size) (i32.const cap-slack)) (then unreachable))
      ...(memories === 1 ? [0x3f, 0x00, 0x41, ...s32(Math.max(0, cap - slack)), 0x4f, 0x04, 0x40, 0x00, 0x0b] : []),
      // (if (i64.ne (call $alloc (i64.const secret+1)) (i64.const 0)) (then unreachable))
      ...(scan.alloc >= 0 ? [0x42, ...s64(secret + 1n), 0x10, ...u32(scan.alloc), 0x50, 0x45, 0x04, 0x40, 0x00, 0x0b] : []),
    ];
    addFunction(out, voidType, code);
    exports.push([...nameBytes(MEMORY_PROBE), 0, ...u32(next++)]);
  }
  if (scan.alloc >= 0) {
    // (drop (call $alloc (i64.const secret)))
    addFunction(out, voidType, [0x42, ...s64(secret), 0x10, ...u32(scan.alloc), 0x1a]);
    exports.push([...nameBytes(GUARD_RESET), 0, ...u32(next++)]);
  }
  const imports = [...scan.entries];
  if (wasiMemory) {
    imports.push([...nameBytes(WASI_BRIDGE_MODULE), ...nameBytes("memory"), 2, ...wasiMemory]);
  }
  if (scan.renamed || wasiMemory) setSection(out, 2, withEntries(imports.length, imports));
  setSection(out, 7, withEntries(exports.length, exports));
  const wasi = wasiMemory
    ? { functions: scan.wasi, bridge: wasiBridge({ functions: scan.wasi, ...pages(wasiMemory) }) }
    : null;

  const parts: (Uint8Array | number[])[] = [input.subarray(0, 8)];
  for (const s of out) parts.push([s.id, ...u32(s.body.length)], s.body);
  return {
    bytes: concatBytes(parts),
    initExports,
    probe,
    guard,
    guardReset: scan.alloc >= 0 ? GUARD_RESET : null,
    imports: scan.imports,
    wasi,
  };
}

/** The pages of limits encoded as `0x01 min max` (what {@link cappedLimits} returns). */
function pages(limits: number[]): { minPages: number; maxPages: number } {
  const r = new Reader(new Uint8Array(limits));
  r.u8();
  return { minPages: r.u32(), maxPages: r.u32() };
}

/** Appends a defined function with no locals. */
function addFunction(sections: Section[], type: number, code: number[]): void {
  appendEntry(sections, 3, u32(type));
  const bytes = [0x00, ...code, 0x0b];
  appendEntry(sections, 10, [...u32(bytes.length), ...bytes]);
}

/** What {@link scanImports} found. */
interface ImportScan {
  /** The original imports, for checking against the manifest. */
  imports: WebAssembly.ModuleImportDescriptor[];
  importedFuncs: number;
  /** Function index of the `alloc` import, or -1. */
  alloc: number;
  /** Host API functions imported, in the guard's order. */
  apis: { module: string; name: string }[];
  /** Whether any import goes through the guard. */
  guarded: boolean;
  /** Whether any import was renamed (to the guard, rungpt's HTTP or the WASI bridge). */
  renamed: boolean;
  /** WASI functions imported, in the bridge's order. */
  wasi: string[];
  /** The import section's entries, renamed. */
  entries: (number[] | Uint8Array)[];
}

/** Reads the import section, renaming what the allocation guard stands in for. */
function scanImports(sections: Section[]): ImportScan {
  const scan: ImportScan = {
    imports: [],
    importedFuncs: 0,
    alloc: -1,
    apis: [],
    guarded: false,
    renamed: false,
    wasi: [],
    entries: [],
  };
  const entries = scan.entries;
  for (const s of sections) {
    if (s.id !== 2) continue;
    const r = new Reader(s.body);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      const mod = r.name();
      const field = r.name();
      const kind = r.u8();
      const kindName = IMPORT_KINDS[kind] as WebAssembly.ImportExportKind;
      scan.imports.push({ module: mod, name: field, kind: kindName });
      if (kind === 0) {
        const type = r.u32();
        const renamed = guardedName(scan, mod, field);
        const to = renamed !== null ? GUARD_MODULE : isExtismHttp(mod, field)
          ? EXTISM_HTTP_MODULE // Extism's worker would link its own unchecked fetch here
          : mod === "wasi_snapshot_preview1"
          ? WASI_BRIDGE_MODULE
          : null;
        if (to === WASI_BRIDGE_MODULE && !isWasiFunction(field)) {
          throw invalid(`module "${mod}" function "${field}" is not a WASI preview 1 function`);
        }
        if (to === WASI_BRIDGE_MODULE && !scan.wasi.includes(field)) scan.wasi.push(field);
        if (to === null) entries.push(s.body.subarray(start, r.pos));
        else {
          scan.renamed = true;
          entries.push([...nameBytes(to), ...nameBytes(renamed ?? field), 0, ...u32(type)]);
        }
        if (mod === "extism:host/env" && field === "alloc") scan.alloc = scan.importedFuncs;
        scan.importedFuncs++;
      } else if (kind === 1) {
        r.u8();
        readLimits(r, `imported table "${mod}" "${field}"`);
      } else if (kind === 2) {
        throw invalid(`imports its memory ("${mod}" "${field}"); a plugin must define its own`);
      } else if (kind === 3) {
        r.u8();
        r.u8();
      } else if (kind === 4) {
        r.u8();
        r.u32();
      } else throw invalid(`unknown import kind ${kind}`);
      if (kind !== 0) entries.push(s.body.subarray(start, r.pos));
    }
  }
  return scan;
}

const IMPORT_KINDS = ["function", "table", "memory", "global", "tag"];

function isExtismHttp(mod: string, field: string): boolean {
  return mod === "extism:host/env" &&
    (EXTISM_HTTP_FUNCTIONS as readonly string[]).includes(field);
}

/** The guard's name for a function import it stands in for, or null to leave it. */
function guardedName(scan: ImportScan, mod: string, field: string): string | null {
  if (mod === "extism:host/env") {
    if (!isGuardedExtism(field) && !isGuardedHttp(field)) return null;
    scan.guarded = true;
    return field;
  }
  if (mod.startsWith("extism:") || mod === "wasi_snapshot_preview1" || mod === GUARD_MODULE) {
    return null;
  }
  // A host API: every one takes and returns an Extism block address.
  let index = scan.apis.findIndex((a) => a.module === mod && a.name === field);
  if (index < 0) index = scan.apis.push({ module: mod, name: field }) - 1;
  scan.guarded = true;
  return guardApiName(index);
}

/** Appends one entry to vector section `id` (creating it), returning the entry's index. */
function appendEntry(sections: Section[], id: number, entry: number[]): number {
  const existing = sections.find((s) => s.id === id);
  const { count, rest } = existing ? vec(existing.body) : { count: 0, rest: new Uint8Array() };
  setSection(sections, id, concatBytes([u32(count + 1), rest, entry]));
  return count;
}

function setSection(sections: Section[], id: number, body: Uint8Array): void {
  const existing = sections.find((s) => s.id === id);
  if (existing) {
    existing.body = body;
    return;
  }
  const rank = SECTION_RANK[id];
  const at = sections.findIndex((s) => s.id !== 0 && SECTION_RANK[s.id] > rank);
  sections.splice(at < 0 ? sections.length : at, 0, { id, body });
}
