/**
 * The actions baseline: a plugin module instantiated with plain `WebAssembly` in this
 * process, with a minimal Extism kernel written in JS (a bump allocator over one buffer),
 * enough for PDK exports that read their input and set their output. Other imports (rungpt
 * host APIs) are stubbed to return zero, so the baseline is the module's own work.
 * @module
 */

/** A plain-WebAssembly instance of an Extism-ABI module, callable like an action. */
export interface PlainPlugin {
  call(exportName: string, input: Uint8Array): Uint8Array;
}

/** Imports this kernel provides (`extism:host/env`). */
const KERNEL = new Set([
  "input_length",
  "input_load_u8",
  "input_load_u64",
  "output_set",
  "error_set",
  "config_get",
  "var_get",
  "var_set",
  "alloc",
  "free",
  "length",
  "length_unsafe",
  "load_u8",
  "load_u64",
  "store_u8",
  "store_u64",
  "log_info",
  "log_warn",
  "log_error",
  "log_debug",
  "log_trace",
  "get_log_level",
]);

/** A function import and its result type (`i32`, `i64`, `f32`, `f64` or none). */
export interface FunctionImport {
  module: string;
  name: string;
  result: "i32" | "i64" | "f32" | "f64" | null;
}

const VALTYPES: Record<number, FunctionImport["result"]> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
};

/**
 * Lists a module's function imports with their result types, read from the binary's type and
 * import sections (the JS API does not expose signatures). Throws on a malformed module.
 *
 * @example
 * ```ts
 * functionImports(bytes); // [{ module: "extism:host/env", name: "alloc", result: "i64" }, …]
 * ```
 */
export function functionImports(bytes: Uint8Array): FunctionImport[] {
  let pos = 8;
  const uleb = () => {
    let result = 0, shift = 0, b;
    do {
      b = bytes[pos++];
      if (b === undefined) throw new Error("truncated wasm module");
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => {
    const n = uleb();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const limits = () => {
    const flags = bytes[pos++];
    uleb();
    if (flags & 1) uleb();
  };
  const results: Array<FunctionImport["result"]> = [];
  const out: FunctionImport[] = [];
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = uleb();
    const end = pos + size;
    if (id === 1) {
      for (let i = uleb(); i > 0; i--) {
        if (bytes[pos++] !== 0x60) throw new Error("unsupported type form");
        const nparams = uleb(); // params are single-byte number types here
        pos += nparams;
        const nres = uleb();
        results.push(nres ? VALTYPES[bytes[pos]] ?? null : null);
        pos += nres;
      }
    } else if (id === 2) {
      for (let i = uleb(); i > 0; i--) {
        const module = name(), field = name();
        const kind = bytes[pos++];
        if (kind === 0) out.push({ module, name: field, result: results[uleb()] ?? null });
        else if (kind === 1) (pos++, limits());
        else if (kind === 2) limits();
        else if (kind === 3) pos += 2;
        else throw new Error(`unsupported import kind ${kind}`);
      }
      return out;
    }
    pos = end;
  }
  return out;
}

/** Imports the JS kernel does not implement: they are stubbed to return zero. */
export function stubbedImports(bytes: Uint8Array): string[] {
  return functionImports(bytes)
    .filter((i) => i.module !== "extism:host/env" || !KERNEL.has(i.name))
    .map((i) => `${i.module}.${i.name}`);
}

/**
 * Instantiates `module` with the JS kernel. Throws when it imports anything else.
 *
 * @example
 * ```ts
 * const p = await instantiatePlain(await WebAssembly.compile(bytes));
 * new TextDecoder().decode(p.call("upper", new TextEncoder().encode("hi"))); // "HI"
 * ```
 */
export async function instantiatePlain(bytes: Uint8Array): Promise<PlainPlugin> {
  const module = await WebAssembly.compile(bytes as BufferSource);
  let mem = new Uint8Array(1 << 16);
  let view = new DataView(mem.buffer);
  let top = 8; // offset 0 means "none"
  const lengths = new Map<number, number>();
  let input: Uint8Array = new Uint8Array();
  let output: Uint8Array = new Uint8Array();
  const ensure = (end: number) => {
    if (end <= mem.length) return;
    const next = new Uint8Array(Math.max(end, mem.length * 2));
    next.set(mem);
    mem = next;
    view = new DataView(mem.buffer);
  };
  // Arguments are i64 (bigint) or i32 (number) per the ABI; Number() takes either.
  // deno-lint-ignore no-explicit-any
  const env: Record<string, (...args: any[]) => unknown> = {
    input_length: () => BigInt(input.length),
    input_load_u8: (o) => input[Number(o)],
    input_load_u64: (o) => {
      const b = new Uint8Array(8);
      b.set(input.subarray(Number(o), Number(o) + 8));
      return new DataView(b.buffer).getBigUint64(0, true);
    },
    output_set: (o, n) => void (output = mem.slice(Number(o), Number(o) + Number(n))),
    error_set: () => {},
    config_get: () => 0n,
    var_get: () => 0n,
    var_set: () => {},
    alloc: (n) => {
      const off = top;
      top += Number(n) + 8 - (Number(n) % 8);
      ensure(top);
      lengths.set(off, Number(n));
      return BigInt(off);
    },
    free: (o) => void lengths.delete(Number(o)),
    length: (o) => BigInt(lengths.get(Number(o)) ?? 0),
    length_unsafe: (o) => BigInt(lengths.get(Number(o)) ?? 0),
    load_u8: (o) => mem[Number(o)],
    load_u64: (o) => view.getBigUint64(Number(o), true),
    store_u8: (o, v) => void (mem[Number(o)] = Number(v)),
    store_u64: (o, v) => view.setBigUint64(Number(o), v, true),
    log_info: () => {},
    log_warn: () => {},
    log_error: () => {},
    log_debug: () => {},
    log_trace: () => {},
    get_log_level: () => 0,
  };
  const imports: Record<string, Record<string, unknown>> = { "extism:host/env": env };
  for (const i of functionImports(bytes)) {
    if (i.module === "extism:host/env" && KERNEL.has(i.name)) continue;
    // Other host APIs (rungpt:config, rungpt:log…) answer "nothing": zero of the right type.
    const zero = i.result === "i64" ? 0n : i.result === null ? undefined : 0;
    (imports[i.module] ??= {})[i.name] = () => zero;
  }
  const instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
  const init = instance.exports._initialize as (() => void) | undefined;
  init?.();
  return {
    call(exportName, bytes) {
      input = bytes;
      output = new Uint8Array();
      top = 8;
      lengths.clear();
      const rc = (instance.exports[exportName] as () => number)();
      if (rc !== 0) throw new Error(`${exportName} returned ${rc}`);
      return output;
    },
  };
}
