// The Extism ABI for AssemblyScript: the `extism:host/env` kernel functions every plugin may
// link, and helpers to move text between guest memory and Extism memory.
//
// Functions are only imported when a plugin uses them (asc compiles lazily), so a plugin that
// never logs through Extism never links `log_error`.
import { setLastError } from "./errors";

@external("extism:host/env", "input_length")
declare function input_length(): u64;
@external("extism:host/env", "input_load_u8")
declare function input_load_u8(offset: u64): u8;
@external("extism:host/env", "input_load_u64")
declare function input_load_u64(offset: u64): u64;
@external("extism:host/env", "output_set")
declare function output_set(offset: u64, length: u64): void;
@external("extism:host/env", "error_set")
declare function error_set(offset: u64): void;
@external("extism:host/env", "config_get")
declare function config_get(offset: u64): u64;
@external("extism:host/env", "alloc")
declare function extism_alloc(length: u64): u64;
@external("extism:host/env", "length")
declare function extism_length(offset: u64): u64;
@external("extism:host/env", "free")
declare function extism_free(offset: u64): void;
@external("extism:host/env", "load_u8")
declare function load_u8(offset: u64): u8;
@external("extism:host/env", "load_u64")
declare function load_u64(offset: u64): u64;
@external("extism:host/env", "store_u8")
declare function store_u8(offset: u64, value: u8): void;
@external("extism:host/env", "store_u64")
declare function store_u64(offset: u64, value: u64): void;
@external("extism:host/env", "log_error")
declare function log_error(offset: u64): void;

/** Copies `length` bytes of Extism memory at `offset` into a new guest buffer. */
export function loadBytes(offset: u64, length: u64): Uint8Array {
  const out = new Uint8Array(<i32>length);
  let i: u64 = 0;
  for (; i + 8 <= length; i += 8) store<u64>(out.dataStart + <usize>i, load_u64(offset + i));
  for (; i < length; i++) out[<i32>i] = load_u8(offset + i);
  return out;
}

/** Copies guest bytes into a fresh Extism memory block; returns its offset. */
export function storeBytes(data: Uint8Array): u64 {
  const length = <u64>data.length;
  const offset = extism_alloc(length);
  let i: u64 = 0;
  for (; i + 8 <= length; i += 8) store_u64(offset + i, load<u64>(data.dataStart + <usize>i));
  for (; i < length; i++) store_u8(offset + i, data[<i32>i]);
  return offset;
}

/** Reads the Extism memory block at `offset` as UTF-8 text ("" for offset 0). */
export function loadString(offset: u64): string {
  if (offset == 0) return "";
  const bytes = loadBytes(offset, extism_length(offset));
  return String.UTF8.decode(bytes.buffer);
}

/** Stores `s` as UTF-8 in a fresh Extism memory block; returns its offset. */
export function storeString(s: string): u64 {
  return storeBytes(Uint8Array.wrap(String.UTF8.encode(s)));
}

/** Frees an Extism memory block (optional: the host frees everything after each call). */
export function freeBlock(offset: u64): void {
  if (offset != 0) extism_free(offset);
}

/** The call's input as raw bytes. */
export function inputBytes(): Uint8Array {
  const length = input_length();
  const out = new Uint8Array(<i32>length);
  let i: u64 = 0;
  for (; i + 8 <= length; i += 8) store<u64>(out.dataStart + <usize>i, input_load_u64(i));
  for (; i < length; i++) out[<i32>i] = input_load_u8(i);
  return out;
}

/** The call's input as UTF-8 text (for actions: the JSON arguments). */
export function input(): string {
  return String.UTF8.decode(inputBytes().buffer);
}

/** Sets the call's output to `text`; returns 0, so an action can `return output(...)`. */
export function output(text: string): i32 {
  const offset = storeString(text);
  output_set(offset, extism_length(offset));
  return 0;
}

/** Sets the call's output to raw bytes; returns 0. */
export function outputBytes(data: Uint8Array): i32 {
  const offset = storeBytes(data);
  output_set(offset, <u64>data.length);
  return 0;
}

/**
 * Ends the call with an error the user and the model see as the action's error message;
 * returns 1, so an action can `return fail("...")`.
 */
export function fail(message: string): i32 {
  error_set(storeString(message));
  return 1;
}

/**
 * A setting as Extism passes it (always text; "" when unset). Needs no declared API; prefer
 * `configString` and friends for typed values.
 */
export function extismConfig(key: string): string {
  const offset = config_get(storeString(key));
  if (offset == 0) {
    setLastError("setting " + key + " is not set");
    return "";
  }
  return loadString(offset);
}

/**
 * The `abort` every rungpt plugin uses (asconfig.json: `"use": ["abort=sdk/rungpt/extism/rungptAbort"]`):
 * logs the message through Extism, then traps. rungpt reports the call as trapped.
 */
export function rungptAbort(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32,
): void {
  const text = "abort: " + (message ? message : "") + " at " + (fileName ? fileName : "") +
    ":" + line.toString() + ":" + column.toString();
  log_error(storeString(text));
  unreachable();
}
