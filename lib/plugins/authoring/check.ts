/**
 * `rungpt plugin check DIR`: validates a plugin repository exactly as install does (manifest,
 * module path inside the repository, module size, module against manifest), then loads it in
 * the sandbox as the server would, which also catches imports of functions a built-in API
 * does not have. When DIR is a git repository, install takes what is committed, so the commit
 * at HEAD is checked too, cloned as install clones it (see `committed.ts`).
 * @module
 */
import { checkModule, MAX_WASM_BYTES, type ModuleValidator } from "../install.ts";
import { loadManifest, type Manifest, resolveWasmPath } from "../manifest.ts";
import { sha256Hex } from "../lockfile.ts";
import { createDefaultRegistry } from "../host/mod.ts";
import { loadPlugin } from "../runtime.ts";
import { checkCommitted, type CommittedState, isGitRoot } from "./committed.ts";
import type { RepoLimits } from "../repo_limits.ts";

/** Thrown when the repository would not install; the message is one line. */
export class CheckError extends Error {
  override name = "CheckError";
}

/** What a successful check found. */
export interface CheckResult {
  manifest: Manifest;
  wasmPath: string;
  wasmSize: number;
  wasmSha256: string;
  /** Exported functions of the module. */
  exports: readonly string[];
  /** When DIR is a git repository: HEAD (checked too) and what differs from it. */
  committed?: CommittedState;
}

/**
 * Checks the plugin repository at `dir`; throws (ManifestError, InstallError, CheckError,
 * CommittedError or PluginError) with a clear message when install or loading would refuse it.
 * In a git repository, the commit at HEAD must pass too (and hold the module).
 *
 * @example
 * ```ts
 * const { manifest, wasmSha256, committed } = await checkPlugin("./my-plugin");
 * ```
 */
export async function checkPlugin(
  dir: string,
  opts: { validateModule?: ModuleValidator; repoLimits?: Partial<RepoLimits> } = {},
): Promise<CheckResult> {
  const result = await checkTree(dir, opts);
  if (!(await isGitRoot(dir))) return result;
  const committed = await checkCommitted(
    dir,
    result.manifest,
    (tree) => checkTree(tree, opts),
    opts.repoLimits,
  );
  return { ...result, committed };
}

/** The checks install makes on one tree of files. */
async function checkTree(
  dir: string,
  opts: { validateModule?: ModuleValidator },
): Promise<CheckResult> {
  const manifest = await loadManifest(dir);
  const wasmPath = await resolveWasmPath(dir, manifest);
  const size = (await Deno.stat(wasmPath)).size;
  if (size > MAX_WASM_BYTES) {
    throw new CheckError(`${manifest.wasm}: larger than ${MAX_WASM_BYTES} bytes`);
  }
  const wasm = await Deno.readFile(wasmPath);
  await (opts.validateModule ?? checkModule)(wasm, manifest);
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-check-" });
  try {
    const plugin = await loadPlugin({
      wasm,
      manifest,
      grants: { apis: manifest.apis },
      dataDir,
      registry: createDefaultRegistry(),
    });
    const exports = plugin.exports;
    await plugin.close();
    return { manifest, wasmPath, wasmSize: size, wasmSha256: await sha256Hex(wasm), exports };
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
