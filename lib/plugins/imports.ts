/**
 * Import checking: a plugin's wasm module may import only Extism's own modules, WASI preview 1
 * (`host/wasi.ts`: deny by default, no files or sockets) and the APIs its manifest declares
 * (and, at load, the user granted). Used by the installer and the runtime.
 * @module
 */
import type { Manifest } from "./manifest.ts";
import type { Grants } from "./registry.ts";
import { PluginError } from "./runtime_errors.ts";

/** Import modules of the Extism ABI itself, always allowed. */
export const EXTISM_MODULES: readonly string[] = ["extism:host/env", "extism:host/user"];
/** WASI preview 1's import module. */
export const WASI_MODULE = "wasi_snapshot_preview1";

/** The imports of a module, grouped: API specifier → imported function names. */
export interface ModuleImports {
  /** Declared (and granted, when grants were given) APIs the module imports. */
  apis: Map<string, string[]>;
  /** Function names imported from `extism:host/env`. */
  extism: string[];
  /** Function names imported from `extism:host/user`. */
  extismUser: string[];
  /** Function names imported from `wasi_snapshot_preview1`. */
  wasi: string[];
}

/**
 * Lists a module's imports and refuses any import module its manifest does not declare in
 * `apis`, naming the import; with `grants`, also refuses declared APIs the user did not grant
 * (kind `"denied"`). Non-function imports from an API are refused too.
 *
 * @example
 * ```ts
 * const imports = checkImports(wasmBytes, manifest, { apis: manifest.apis });
 * imports.apis.get("rungpt:fs"); // ["read", "write"]
 * ```
 */
export function checkImports(
  wasm: Uint8Array | WebAssembly.Module | readonly WebAssembly.ModuleImportDescriptor[],
  manifest: Manifest,
  grants?: Grants,
): ModuleImports {
  const result: ModuleImports = { apis: new Map(), extism: [], extismUser: [], wasi: [] };
  for (const imp of importsOf(wasm, manifest.name)) {
    const where = `module "${imp.module}" ${imp.kind} "${imp.name}"`;
    if (imp.module === "extism:host/env") {
      result.extism.push(imp.name);
      continue;
    }
    if (imp.module === "extism:host/user") {
      result.extismUser.push(imp.name);
      continue;
    }
    if (imp.module === WASI_MODULE) {
      if (imp.kind !== "function") {
        throw new PluginError("invalid", `${where}: WASI provides only functions`, manifest.name);
      }
      result.wasi.push(imp.name);
      continue;
    }
    if (!manifest.apis.includes(imp.module)) {
      throw new PluginError(
        "denied",
        `${where} is imported but rungpt.yaml does not declare the API ${imp.module}`,
        manifest.name,
      );
    }
    if (grants && !grants.apis.includes(imp.module)) {
      throw new PluginError(
        "denied",
        `${where} is imported but the API ${imp.module} was not granted`,
        manifest.name,
      );
    }
    if (imp.kind !== "function") {
      throw new PluginError(
        "invalid",
        `${where}: only functions can be imported from ${imp.module}`,
        manifest.name,
      );
    }
    const list = result.apis.get(imp.module) ?? [];
    list.push(imp.name);
    result.apis.set(imp.module, list);
  }
  return result;
}

function importsOf(
  wasm: Uint8Array | WebAssembly.Module | readonly WebAssembly.ModuleImportDescriptor[],
  plugin: string,
): readonly WebAssembly.ModuleImportDescriptor[] {
  if (Array.isArray(wasm)) return wasm;
  try {
    const module = wasm instanceof WebAssembly.Module
      ? wasm
      : new WebAssembly.Module(wasm as BufferSource);
    return WebAssembly.Module.imports(module);
  } catch (e) {
    throw new PluginError("invalid", `invalid wasm module: ${(e as Error).message}`, plugin);
  }
}
