/**
 * Shared set-up for runtime tests: a temp data dir, a fresh API registry, and a loader for the
 * AssemblyScript fixtures.
 * @module
 */
import { createDefaultRegistry } from "../../lib/plugins/host/mod.ts";
import type { Manifest } from "../../lib/plugins/manifest.ts";
import type { ApiRegistry, LogEntry } from "../../lib/plugins/registry.ts";
import {
  type LoadedPlugin,
  loadPlugin,
  type LoadPluginOptions,
  PluginError,
} from "../../lib/plugins/runtime.ts";
import { buildFixture, fixtureManifest } from "./wasm_fixtures.ts";

/** One test's plugin environment; `dispose()` closes every plugin and removes the data dir. */
export interface PluginEnv {
  dataDir: string;
  registry: ApiRegistry;
  logs: LogEntry[];
  load(
    fixture: string,
    opts?: Partial<Omit<LoadPluginOptions, "manifest">> & { manifest?: Partial<Manifest> },
  ): Promise<LoadedPlugin>;
  dispose(): Promise<void>;
}

/**
 * Creates a plugin environment.
 *
 * @example
 * ```ts
 * await using env = await pluginEnv();
 * const echo = await env.load("echo");
 * ```
 */
export async function pluginEnv(): Promise<PluginEnv & AsyncDisposable> {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-plugins-" });
  const registry = createDefaultRegistry();
  const loaded: LoadedPlugin[] = [];
  const logs: LogEntry[] = [];
  const env: PluginEnv = {
    dataDir,
    registry,
    logs,
    async load(fixture, opts = {}) {
      const manifest = { ...(await fixtureManifest(fixture)), ...opts.manifest } as Manifest;
      const plugin = await loadPlugin({
        grants: { apis: manifest.apis },
        dataDir,
        registry,
        onLog: (e) => logs.push(e),
        ...opts,
        wasm: opts.wasm ?? await buildFixture(fixture),
        manifest,
      });
      loaded.push(plugin);
      return plugin;
    },
    async dispose() {
      await Promise.all(loaded.map((p) => p.close()));
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  return { ...env, [Symbol.asyncDispose]: env.dispose };
}

/**
 * Awaits `p`, requiring it to reject with a PluginError of `kind` whose message includes
 * `includes`; returns the error.
 */
export async function rejectsKind(
  p: Promise<unknown>,
  kind: string,
  includes?: string,
): Promise<PluginError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof PluginError)) {
    throw new Error(`expected a PluginError of kind ${kind}, got ${error ?? "no error"}`);
  }
  if (error.kind !== kind) {
    throw new Error(`expected kind ${kind}, got ${error.kind}: ${error.message}`);
  }
  if (includes && !error.message.includes(includes)) {
    throw new Error(
      `expected the message to include ${JSON.stringify(includes)}: ${error.message}`,
    );
  }
  return error;
}
