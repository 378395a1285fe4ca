/**
 * `rungpt plugin run DIR ACTION '{json}'`: runs one action of a plugin repository in the real
 * sandbox, with the real permission checks (the manifest's APIs, hosts and paths; private
 * networks only with `allowPrivateNetwork`) and no model.
 * @module
 */
import { formatArgErrors, validateArgs } from "../validate_args.ts";
import { parseConfigTexts } from "../installed.ts";
import { checkModule } from "../install.ts";
import { loadManifest, resolveWasmPath } from "../manifest.ts";
import { createDefaultRegistry } from "../host/mod.ts";
import type { LogEntry, PluginLimits } from "../registry.ts";
import { callAction, loadPlugin } from "../runtime.ts";

/** Thrown for a bad request (unknown action, arguments not a JSON object). */
export class RunError extends Error {
  override name = "RunError";
}

/** Options of {@linkcode runPluginAction}. */
export interface RunOptions {
  /** Let `rungpt:net` reach loopback and private addresses (e.g. a local test server). */
  allowPrivateNetwork?: boolean;
  /**
   * Setting values as text (`key=value` from the command line), converted to the declared
   * types and checked as `rungpt plugin config` checks them (a `LockfileError` otherwise).
   */
  config?: Record<string, string>;
  /** The data dir (state, files) to use and keep; default a temp dir removed afterwards. */
  dataDir?: string;
  /** Overrides of the call limits. */
  limits?: Partial<PluginLimits>;
  /** Receives the plugin's log lines. */
  onLog?: (entry: LogEntry) => void;
}

/**
 * Loads the plugin in `dir` (validated as install would), calls `action` with `args` (JSON
 * object text) and returns its output text. Throws with a clear message otherwise.
 *
 * @example
 * ```ts
 * const out = await runPluginAction("./my-plugin", "greet", '{"name":"Ada"}');
 * ```
 */
export async function runPluginAction(
  dir: string,
  action: string,
  args: string,
  opts: RunOptions = {},
): Promise<string> {
  const manifest = await loadManifest(dir);
  const spec = manifest.actions.find((a) => a.name === action);
  if (!spec) {
    const names = manifest.actions.map((a) => a.name);
    throw new RunError(
      `${manifest.name} has no action "${action}" (actions: ${names.join(", ") || "none"})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch (e) {
    throw new RunError(`the arguments are not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RunError(`the arguments must be a JSON object, like '{"name": "value"}'`);
  }
  const config = parseConfigTexts(manifest, opts.config ?? {});
  // The same check a chat turn makes before the plugin runs.
  const problems = formatArgErrors(validateArgs(spec.parameters, parsed));
  if (problems) throw new RunError(problems);
  const wasm = await Deno.readFile(await resolveWasmPath(dir, manifest));
  await checkModule(wasm, manifest);
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "rungpt-run-" });
  try {
    const plugin = await loadPlugin({
      wasm,
      manifest,
      grants: { apis: manifest.apis, allowPrivateNetwork: opts.allowPrivateNetwork ?? false },
      dataDir,
      config,
      limits: opts.limits,
      registry: createDefaultRegistry(),
      onLog: opts.onLog,
    });
    try {
      return await callAction(plugin, spec.export ?? spec.name, JSON.stringify(parsed));
    } finally {
      await plugin.close();
    }
  } finally {
    if (!opts.dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
