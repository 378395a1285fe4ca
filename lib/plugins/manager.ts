/**
 * The plugin manager the server uses: which installed plugins are enabled, their actions,
 * and calling an action — loading the plugin (and the plugins whose APIs it imports) into
 * the sandbox on first use and keeping it warm. An instance runs one call at a time, so calls
 * that arrive while a plugin is busy get extra warm instances (up to
 * {@linkcode MAX_INSTANCES}); a plugin that provides APIs to others keeps a single instance.
 * Installs, updates and settings changes call {@linkcode PluginManager.invalidate} so the next
 * call sees them.
 * @module
 */
import {
  configPath,
  getPluginConfig,
  type InstalledPlugin,
  listInstalled,
  loadInstalled,
} from "./installed.ts";
import type { Grants as LockGrants } from "./lockfile.ts";
import type { ActionSpec } from "./manifest.ts";
import type { Grants, LogEntry, PluginLimits } from "./registry.ts";
import { callAction, type LoadedPlugin, loadPlugin, PluginError } from "./runtime.ts";

/** One action of an enabled plugin, as the chat layer sees it. */
export interface EnabledAction {
  plugin: string;
  pluginDescription: string;
  action: ActionSpec;
  /** What the plugin may touch (for the approval dialog). */
  grants: LockGrants;
  /** APIs it links. */
  apis: readonly string[];
}

/** Options of {@linkcode createPluginManager}. */
export interface PluginManagerOptions {
  pluginsDir: string;
  dataDir: string;
  limits?: Partial<PluginLimits>;
  /** Every plugin log line. */
  onLog?: (entry: LogEntry) => void;
}

/** The manager's API. */
export interface PluginManager {
  readonly pluginsDir: string;
  /** Installed plugins (enabled or not), sorted by name. */
  list(): Promise<InstalledPlugin[]>;
  /** Actions of enabled plugins whose manifest loads. */
  actions(): Promise<EnabledAction[]>;
  /**
   * Runs `plugin`'s `action` with JSON `input`; returns the module's output text.
   * Throws {@linkcode PluginError}.
   */
  call(
    plugin: string,
    action: string,
    input: string,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<string>;
  /** Forgets loaded state (one plugin, or all) so the next call reloads from disk. */
  invalidate(name?: string): Promise<void>;
  /**
   * Starts loading every enabled plugin in the background, so the first call does not pay
   * for starting a worker. Called when a turn begins: the model's reply takes longer.
   */
  warm(): void;
  /** Recent log lines of a plugin (empty until it has run). */
  logs(name: string): LogEntry[];
  /** Stops every plugin worker. */
  close(): Promise<void>;
}

/** Most instances of one plugin running calls at once; further calls wait their turn. */
export const MAX_INSTANCES = 4;

/** The extra instances of one plugin: `idle` ones ready to use, `count` including busy ones. */
interface Spares {
  idle: LoadedPlugin[];
  count: number;
}

/** The runtime's grants from what the user consented to at install. */
export function runtimeGrants(grants: LockGrants): Grants {
  return {
    apis: grants.apis,
    netHosts: grants.net.hosts,
    allowPrivateNetwork: grants.net.allowPrivate,
  };
}

/**
 * @example
 * ```ts
 * const plugins = createPluginManager({ pluginsDir, dataDir });
 * const out = await plugins.call("text-transform", "uppercase", '{"text":"hi"}');
 * ```
 */
export function createPluginManager(opts: PluginManagerOptions): PluginManager {
  const { pluginsDir, dataDir } = opts;
  const loaded = new Map<string, Promise<LoadedPlugin>>();
  const spares = new Map<string, Spares>();
  // Calls running on each plugin's first instance.
  const busy = new Map<string, number>();
  const logs = new Map<string, LogEntry[]>();
  let cached: { stamp: string; plugins: InstalledPlugin[] } | undefined;
  let closed = false;
  let warming: Promise<void> = Promise.resolve();

  // Keyed by the lockfile's mtime and size, so changes made from the CLI while the server
  // runs (install, update, enable, …) are picked up, and changed plugins reload.
  async function installed(): Promise<InstalledPlugin[]> {
    const info = await Deno.stat(`${pluginsDir}/rungpt.lock.json`).catch(() => null);
    const stamp = info ? `${info.mtime?.getTime()}:${info.size}` : "none";
    if (cached?.stamp !== stamp) {
      const before = new Map(cached?.plugins.map((p) => [p.name, JSON.stringify(p.lock)]));
      cached = { stamp, plugins: await listInstalled(pluginsDir) };
      const now = new Map(cached.plugins.map((p) => [p.name, JSON.stringify(p.lock)]));
      const changed = [...before.keys()].filter((name) => before.get(name) !== now.get(name));
      await Promise.all(changed.map(closeLoaded));
    }
    return cached.plugins;
  }

  /** The stamp of a plugin's settings file, to notice changes made from the CLI. */
  async function settingsStamp(name: string): Promise<string> {
    const info = await Deno.stat(configPath(pluginsDir, name)).catch(() => null);
    return info ? `${info.mtime?.getTime()}:${info.size}` : "none";
  }
  // The settings stamp each loaded plugin started from, recorded when its load begins.
  const loadedSettings = new Map<string, Promise<string>>();
  // Instances being closed: a new load of the same plugin waits for them, so the APIs the old
  // one provides are unregistered before the new one registers them.
  const closing = new Map<string, Promise<void>>();

  /** Loads one instance of an installed, enabled plugin (its providers must be loaded). */
  async function open(name: string, chain: string[] = []): Promise<LoadedPlugin> {
    const plugin = await loadInstalled(pluginsDir, name);
    if (!plugin.enabled) {
      throw new PluginError("denied", "the plugin is disabled; enable it on /plugins", name);
    }
    // Providers first: a plugin-provided API resolves when the consumer calls it.
    for (const api of plugin.manifest.apis) {
      const provider = api.split(":")[0];
      if (provider === "rungpt" || chain.includes(provider)) continue;
      await load(provider, [...chain, name]).catch((e) => {
        throw new PluginError(
          "not_found",
          `it needs the API ${api}, but plugin ${provider} cannot be loaded: ${e.message}`,
          name,
        );
      });
    }
    return await loadPlugin({
      wasm: plugin.wasmBytes,
      manifest: plugin.manifest,
      grants: runtimeGrants(plugin.grants),
      dataDir,
      config: await getPluginConfig(pluginsDir, name),
      limits: opts.limits,
      onLog: (entry) => {
        const ring = logs.get(entry.plugin) ?? [];
        ring.push(entry);
        if (ring.length > 200) ring.shift();
        logs.set(entry.plugin, ring);
        opts.onLog?.(entry);
      },
    });
  }

  /** The plugin's first instance: the one other plugins' API calls reach. */
  function load(name: string, chain: string[] = []): Promise<LoadedPlugin> {
    if (closed) {
      return Promise.reject(new PluginError("not_found", "rungpt is shutting down", name));
    }
    let pending = loaded.get(name);
    if (!pending) {
      const stamp = settingsStamp(name);
      pending = (closing.get(name) ?? Promise.resolve()).then(() => open(name, chain));
      loaded.set(name, pending);
      loadedSettings.set(name, stamp);
      // A failed load is not cached: the next call tries again.
      pending.catch(() => loaded.delete(name));
    }
    return pending;
  }

  /** Runs `run` on a free instance of the plugin: the first, else a spare, else the first. */
  async function withInstance(
    name: string,
    run: (plugin: LoadedPlugin) => Promise<string>,
  ): Promise<string> {
    const first = await load(name);
    const pool = spares.get(name) ?? { idle: [], count: 0 };
    // A provider cannot have a second instance: its APIs are registered once, by name.
    const useFirst = !busy.get(name) || first.manifest.provides.length > 0 ||
      (pool.idle.length === 0 && pool.count >= MAX_INSTANCES - 1);
    if (useFirst) {
      busy.set(name, (busy.get(name) ?? 0) + 1);
      try {
        return await run(first);
      } finally {
        busy.set(name, busy.get(name)! - 1);
      }
    }
    spares.set(name, pool);
    let spare = pool.idle.pop();
    if (!spare) {
      pool.count++;
      spare = await open(name).catch((e) => {
        pool.count--;
        throw e;
      });
    }
    try {
      return await run(spare);
    } finally {
      // Invalidated meanwhile: this instance is out of date.
      if (spares.get(name) === pool) pool.idle.push(spare);
      else await spare.close();
    }
  }

  async function closeLoaded(name: string) {
    const pending = loaded.get(name);
    loaded.delete(name);
    loadedSettings.delete(name);
    const pool = spares.get(name);
    spares.delete(name);
    const done = Promise.all([
      closing.get(name),
      pending?.then((p) => p.close(), () => {}),
      ...(pool?.idle ?? []).map((p) => p.close()),
    ]).then(() => {});
    closing.set(name, done);
    await done;
    if (closing.get(name) === done) closing.delete(name);
  }

  return {
    pluginsDir,
    list: installed,
    async actions() {
      const out: EnabledAction[] = [];
      for (const p of await installed()) {
        if (!p.enabled || !p.manifest) continue;
        for (const action of p.manifest.actions) {
          out.push({
            plugin: p.name,
            pluginDescription: p.manifest.description,
            action,
            grants: p.lock.grants,
            apis: p.manifest.apis,
          });
        }
      }
      return out;
    },
    async call(pluginName, actionName, input, callOpts = {}) {
      const info = (await installed()).find((p) => p.name === pluginName);
      if (!info) throw new PluginError("not_found", "no such plugin is installed", pluginName);
      const action = info.manifest?.actions.find((a: ActionSpec) => a.name === actionName);
      if (!action) {
        throw new PluginError("not_found", `the plugin has no action "${actionName}"`, pluginName);
      }
      // Settings changed outside this process (`rungpt plugin config`): reload with them.
      if (
        loadedSettings.has(pluginName) &&
        await loadedSettings.get(pluginName) !== await settingsStamp(pluginName)
      ) {
        await closeLoaded(pluginName);
      }
      return await withInstance(
        pluginName,
        (plugin) => callAction(plugin, action.export ?? action.name, input, callOpts),
      );
    },
    async invalidate(name) {
      cached = undefined;
      const names = name ? [name] : [...new Set([...loaded.keys(), ...spares.keys()])];
      // Consumers of a changed provider reload too.
      if (name) {
        for (const p of await installed()) {
          if (p.manifest?.apis.some((a: string) => a.startsWith(`${name}:`))) names.push(p.name);
        }
      }
      await Promise.all(names.map(closeLoaded));
    },
    logs: (name) => [...(logs.get(name) ?? [])],
    warm() {
      if (closed) return;
      warming = installed().then((plugins) => {
        for (const p of plugins) {
          // Failures surface on the call that needs the plugin, with their message.
          if (p.enabled && p.manifest && !closed) load(p.name).catch(() => {});
        }
      }, () => {});
    },
    async close() {
      closed = true;
      await warming;
      await Promise.all([...new Set([...loaded.keys(), ...spares.keys()])].map(closeLoaded));
    },
  };
}
