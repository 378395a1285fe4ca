/**
 * Builds the plugins under tests/fixtures/c and tests/fixtures/rust with toolchains other than
 * rungpt's SDK, from Debian's packages (clang, lld and wasi-libc; rustc and
 * libstd-rust-dev-wasm32), so the tests prove the toolchain, not a checked-in binary; and loads
 * such a module under a rungpt.yaml of the test's own.
 * @module
 */
import { join } from "node:path";
import { actionInput, type Manifest, parseManifest } from "../../lib/plugins/manifest.ts";
import { callAction, type LoadedPlugin, loadPlugin } from "../../lib/plugins/runtime.ts";
import type { PluginLimits } from "../../lib/plugins/registry.ts";
import type { PluginEnv } from "./plugin_runtime.ts";

const FIXTURES = join(import.meta.dirname!, "..", "fixtures");

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
export function buildC(file: string, flags: readonly string[]): Promise<Uint8Array | null> {
  return build("clang", [...flags, join(FIXTURES, "c", file)]);
}

/**
 * Compiles `tests/fixtures/rust/<file>` for WASI preview 1 with Debian's rustc (`/usr/bin/rustc`,
 * whose std for wasm comes from libstd-rust-dev-wasm32; its target is still called
 * `wasm32-wasi`); null when it is not installed.
 */
export function buildRust(file: string): Promise<Uint8Array | null> {
  return build("/usr/bin/rustc", [
    "--target=wasm32-wasi",
    "--crate-type=cdylib",
    "-O",
    "-Cstrip=symbols",
    join(FIXTURES, "rust", file),
  ]);
}

/** Runs `compiler` with `args` and `-o <temp file>`; the module's bytes, or null without it. */
async function build(compiler: string, args: string[]): Promise<Uint8Array | null> {
  const out = await Deno.makeTempFile({ suffix: ".wasm" });
  try {
    const { success, stderr } = await new Deno.Command(compiler, {
      args: [...args, "-o", out],
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`${compiler} failed: ${new TextDecoder().decode(stderr)}`);
    return await Deno.readFile(out);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

/**
 * A rungpt.yaml for a module built elsewhere: one `input: text` action per `[action, export]`.
 */
export function textActionsManifest(
  name: string,
  actions: [action: string, exportName: string][],
  fields: Record<string, unknown> = {},
): Manifest {
  return parseManifest(JSON.stringify({
    name,
    version: "1.0.0",
    description: `${name}, built by another toolchain`,
    wasm: `${name}.wasm`,
    actions: actions.map(([action, exportName]) => ({
      name: action,
      description: "d",
      export: exportName,
      input: "text",
      parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    })),
    ...fields,
  }));
}

/** A loaded plugin that closes when disposed, and a caller of its text actions. */
export interface BuiltPlugin extends AsyncDisposable {
  plugin: LoadedPlugin;
  call(action: string, text: string): Promise<string>;
}

/**
 * Loads `wasm` under `manifest` in `env`, granting what it declares, with `limits`.
 *
 * @example
 * ```ts
 * await using built = await loadBuilt(env, wasm, manifest);
 * await built.call("greet", "Ada");
 * ```
 */
export async function loadBuilt(
  env: PluginEnv,
  wasm: Uint8Array,
  manifest: Manifest,
  limits: Partial<PluginLimits> = {},
): Promise<BuiltPlugin> {
  const plugin = await loadPlugin({
    wasm,
    manifest,
    limits,
    grants: { apis: manifest.apis },
    dataDir: env.dataDir,
    registry: env.registry,
    onLog: (e) => env.logs.push(e),
  });
  return {
    plugin,
    call(action, text) {
      const spec = manifest.actions.find((a) => a.name === action)!;
      return callAction(plugin, spec.export!, actionInput(spec, JSON.stringify({ text })));
    },
    [Symbol.asyncDispose]: () => plugin.close(),
  };
}
