/**
 * Builds the C plugins under tests/fixtures/c with Debian's clang and lld (and wasi-libc for
 * the WASI ones), so the tests prove the toolchain, not a checked-in binary.
 * @module
 */
import { join } from "node:path";

const DIR = join(import.meta.dirname!, "..", "fixtures", "c");

/** Flags of a freestanding module: no libc, no WASI, only the Extism ABI. */
export const FREESTANDING = [
  "--target=wasm32-unknown-unknown",
  "-O2",
  "-nostdlib",
  "-ffreestanding",
  "-fno-builtin",
  "-Wl,--no-entry",
  "-Wl,--strip-all",
  "-Wl,-z,stack-size=8192",
  "-Wl,--initial-memory=131072",
];

/** Flags of a wasi-libc reactor (the Extism C PDK's way of building with libc). */
export const WASI_REACTOR = ["--target=wasm32-wasi", "-O2", "-mexec-model=reactor"];

/**
 * Compiles `tests/fixtures/c/<file>` with `flags`; null when clang is not installed.
 *
 * @example
 * ```ts
 * const wasm = await buildC("wasi_stdio.c", WASI_REACTOR);
 * ```
 */
export async function buildC(file: string, flags: readonly string[]): Promise<Uint8Array | null> {
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    const { success, stderr } = await new Deno.Command("clang", {
      args: [...flags, "-o", out, join(DIR, file)],
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`clang failed: ${new TextDecoder().decode(stderr)}`);
    return await Deno.readFile(out);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}
