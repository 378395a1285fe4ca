/**
 * `rungpt plugin run DIR ACTION '{json}'`: runs one action of a plugin repository in the real
 * sandbox, with the real permission checks (the manifest's APIs, hosts and paths; private
 * networks only with `allowPrivateNetwork`) and no model. For tests, `allowHosts` adds hosts
 * the manifest does not list (a local server with recorded responses): a grant that exists
 * only here, never for an installed plugin.
 * @module
 */
import { formatArgErrors, validateArgs } from "../validate_args.ts";
import { parseConfigTexts } from "../installed.ts";
import { checkModule } from "../install.ts";
import { actionInput, loadManifest, type Manifest, netHost, resolveWasmPath } from "../manifest.ts";
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
   * Test-only: hosts (`host[:port]`, as in `permissions.net.hosts`) `rungpt:net` may reach
   * besides the manifest's, e.g. `127.0.0.1:8080` for a server with recorded responses.
   */
  allowHosts?: readonly string[];
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
  /** Told each test-only grant once it was checked, before the action runs. */
  onGrant?: (grant: string) => void;
}

/**
 * `manifest` with `hosts` added to `permissions.net.hosts`: the test-only grant of
 * {@linkcode RunOptions.allowHosts}. Refuses a malformed host, and a plugin that uses neither
 * `rungpt:net` nor (`extismHttp`) Extism's `http_request` (the grant would do nothing).
 *
 * @example
 * ```ts
 * const local = withTestHosts(manifest, ["127.0.0.1:8080"]);
 * ```
 */
export function withTestHosts(
  manifest: Manifest,
  hosts: readonly string[],
  extismHttp = false,
): Manifest {
  if (hosts.length === 0) return manifest;
  if (!manifest.apis.includes("rungpt:net") && !extismHttp) {
    throw new RunError(
      `--allow-host: ${manifest.name} does not use rungpt:net (not in its apis) ` +
        `and its module does not import Extism's http_request`,
    );
  }
  for (const host of hosts) {
    const checked = netHost.safeParse(host);
    if (!checked.success) {
      throw new RunError(`--allow-host: ${checked.error.issues[0].message}`);
    }
  }
  const declared = manifest.permissions.net?.hosts ?? [];
  const added = hosts.filter((h, i) => !declared.includes(h) && hosts.indexOf(h) === i);
  return {
    ...manifest,
    permissions: { ...manifest.permissions, net: { hosts: [...declared, ...added] } },
  };
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
  const declared = await loadManifest(dir);
  const wasm = await Deno.readFile(await resolveWasmPath(dir, declared));
  const manifest = withTestHosts(declared, opts.allowHosts ?? [], importsExtismHttp(wasm));
  for (const host of new Set(opts.allowHosts)) {
    opts.onGrant?.(`rungpt:net may also reach ${host} (not in rungpt.yaml)`);
  }
  if (opts.allowPrivateNetwork) opts.onGrant?.("rungpt:net may reach private addresses");
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
      return await callAction(
        plugin,
        spec.export ?? spec.name,
        actionInput(spec, JSON.stringify(parsed)),
      );
    } finally {
      await plugin.close();
    }
  } finally {
    if (!opts.dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/** Whether a module imports Extism's `http_request` (false for bytes that are no module). */
function importsExtismHttp(wasm: Uint8Array): boolean {
  try {
    return WebAssembly.Module.imports(new WebAssembly.Module(wasm as BufferSource))
      .some((i) => i.module === "extism:host/env" && i.name === "http_request");
  } catch {
    return false; // checkModule reports what is wrong with it
  }
}
