/**
 * The plugin manager the server uses: which installed plugins are enabled, their actions,
 * and calling an action — loading the plugin (and the plugins whose APIs it imports) into
 * the sandbox on first use and keeping it warm. Providers load before their consumers, in the
 * order the manifests give; a cycle among providers is refused before anything loads, and
 * loading counts against the call's time limit and cancel signal. An instance runs one call at a time, so calls
 * that arrive while a plugin is busy get extra warm instances (up to
 * {@linkcode MAX_INSTANCES}); a plugin that provides APIs to others keeps a single instance.
 * Any change to an installed plugin (from the browser, or the CLI while the server runs)
 * reloads it and every plugin that uses its APIs.
 * @module
 */
import { openDataQuota, pluginDataDir } from "./data_dir.ts";
import type { QuotaLedger, QuotaLimits } from "./host/quota.ts";
import {
  configPath,
  getPluginConfig,
  type InstalledPlugin,
  listInstalled,
  loadInstalled,
  quotaOf,
} from "./installed.ts";
import { type Grants as LockGrants, lockfilePath } from "./lockfile.ts";
import { actionInput, type ActionSpec } from "./manifest.ts";
import { dependentsOf, loadOrder } from "./providers.ts";
import { DEFAULT_LIMITS, type Grants, type LogEntry, type PluginLimits } from "./registry.ts";
import { callAction, type LoadedPlugin, loadPlugin, PluginError, raceAbort } from "./runtime.ts";
import { type LogBudget, LogLimiter } from "./host/log.ts";
import { escapeControls } from "../text/escape_controls.ts";
import { sweepWorkDirs } from "./workdirs.ts";

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
  /** Every plugin log line (escaped, within each plugin's log budget). */
  onLog?: (entry: LogEntry) => void;
  /** How much each plugin may log, all its instances together; the default budget if unset. */
  logBudget?: LogBudget;
  /** @internal The log limiters' clock (milliseconds), for tests. */
  logClock?: () => number;
}

/** The manager's API. */
export interface PluginManager {
  readonly pluginsDir: string;
  /** How long one call may run, in milliseconds, unless the call asks for less. */
  readonly timeLimitMs: number;
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

/** Longest failure line kept in a plugin's log (characters). */
const MAX_FAILURE_CHARS = 1000;

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
  const timeLimit = opts.limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs;
  const loaded = new Map<string, Promise<LoadedPlugin>>();
  const spares = new Map<string, Spares>();
  // Calls running on each plugin's first instance.
  const busy = new Map<string, number>();
  const logs = new Map<string, LogEntry[]>();
  // Each plugin's log budget, shared by its instances and kept across reloads.
  const logLimiters = new Map<string, LogLimiter>();
  // The installed plugins as last read, and the lockfile stamp they were read at.
  let known: { stamp: string; plugins: InstalledPlugin[] } | undefined;
  let closed = false;
  // Aborted by close(): loads in progress stop at once instead of running to their limit.
  const shutdown = new AbortController();
  let warming: Promise<void> = Promise.resolve();
  // Clones a killed install left in the plugins dir (never one a live process is using).
  const swept = sweepWorkDirs(pluginsDir).catch(() => []);
  // The settings stamp each loaded plugin started from, recorded when its load begins.
  const loadedSettings = new Map<string, Promise<string>>();
  // Instances being closed: a new load of the same plugin waits for them, so the APIs the old
  // one provides are unregistered before the new one registers them.
  const closing = new Map<string, Promise<void>>();
  // Each plugin's quota account, shared by all its instances and kept across reloads (calls on
  // old instances may still be writing); `stale` ones are measured again on the next load.
  const quotas = new Map<string, Promise<QuotaLedger>>();
  const staleQuotas = new Set<string>();

  /** The stamp of a file (mtime and size), to notice changes made by another process. */
  async function stampOf(path: string): Promise<string> {
    const info = await Deno.stat(path).catch(() => null);
    return info ? `${info.mtime?.getTime()}:${info.size}` : "none";
  }

  /**
   * Re-reads the installed plugins and reloads those whose lock entry changed (installed,
   * updated, enabled or disabled, here or from the CLI) and those in `force`, with everything
   * that depends on them: the one way a change reaches loaded plugins.
   */
  async function refresh(force: string[] = []): Promise<InstalledPlugin[]> {
    const stamp = await stampOf(lockfilePath(pluginsDir));
    const before = known?.plugins ?? [];
    const plugins = await listInstalled(pluginsDir);
    known = { stamp, plugins };
    const now = new Map(plugins.map((p) => [p.name, JSON.stringify(p.lock)]));
    const changed = before.filter((p) => JSON.stringify(p.lock) !== now.get(p.name))
      .map((p) => p.name);
    await reload([...new Set([...changed, ...force])], [...before, ...plugins]);
    return plugins;
  }

  /** The installed plugins, re-read when the lockfile changed. */
  async function installed(): Promise<InstalledPlugin[]> {
    if (known && known.stamp === await stampOf(lockfilePath(pluginsDir))) return known.plugins;
    return await refresh();
  }

  /** Closes `names` and every plugin that uses their APIs; the next call loads them afresh. */
  async function reload(
    names: string[],
    plugins: readonly InstalledPlugin[],
  ): Promise<void> {
    if (!names.length) return;
    await Promise.all([...names, ...dependentsOf(names, plugins)].map(closeLoaded));
  }

  /**
   * The quota account of `name`'s data dir, with the quota its lock entry gives: opened from
   * disk on first use, measured again after the plugin was reloaded (a removal or a fresh
   * install may have changed its files).
   */
  async function quotaFor(name: string, limits: QuotaLimits): Promise<QuotaLedger> {
    let pending = quotas.get(name);
    if (!pending) {
      pending = openDataQuota(name, pluginDataDir(dataDir, name), limits);
      quotas.set(name, pending);
      pending.catch(() => quotas.delete(name));
    } else if (staleQuotas.delete(name)) {
      await (await pending).remeasure();
    }
    const ledger = await pending;
    ledger.setLimits(limits);
    return ledger;
  }

  /**
   * Starts one instance of an installed, enabled plugin. It never waits for another plugin's
   * load (providers are loaded before, by {@linkcode ensureLoaded}), so loads cannot wait for
   * each other in a circle.
   */
  /** Keeps a plugin's log line (the most recent 200) and passes it on. */
  function record(entry: LogEntry): void {
    const ring = logs.get(entry.plugin) ?? [];
    ring.push(entry);
    if (ring.length > 200) ring.shift();
    logs.set(entry.plugin, ring);
    opts.onLog?.(entry);
  }

  /**
   * A call that failed or timed out, as a line of the plugin's log, so its card shows it. A call
   * the user stopped is no failure.
   */
  function recordFailure(plugin: string, action: string, error: unknown): void {
    if (error instanceof PluginError && error.kind === "aborted") return;
    const how = error instanceof PluginError && error.kind === "timeout" ? "timed out" : "failed";
    const why = error instanceof Error ? error.message : String(error);
    const message = escapeControls(`${action} ${how}: ${why}`);
    record({
      time: Date.now(),
      plugin,
      level: "error",
      message: message.length > MAX_FAILURE_CHARS
        ? `${message.slice(0, MAX_FAILURE_CHARS)}…`
        : message,
    });
  }

  async function open(name: string): Promise<LoadedPlugin> {
    const plugin = await loadInstalled(pluginsDir, name);
    if (!plugin.enabled) {
      throw new PluginError("denied", "the plugin is disabled; enable it on /plugins", name);
    }
    const instance = await loadPlugin({
      wasm: plugin.wasmBytes,
      manifest: plugin.manifest,
      grants: runtimeGrants(plugin.grants),
      dataDir,
      config: await getPluginConfig(pluginsDir, name),
      limits: opts.limits,
      quota: await quotaFor(name, quotaOf(plugin.entry)),
      signal: shutdown.signal,
      logLimiter: logLimiterOf(name),
      onLog: record,
    });
    if (closed) {
      await instance.close();
      throw shuttingDown(name);
    }
    return instance;
  }

  function logLimiterOf(name: string): LogLimiter {
    let limiter = logLimiters.get(name);
    if (!limiter) {
      limiter = new LogLimiter(opts.logBudget, opts.logClock);
      logLimiters.set(name, limiter);
    }
    return limiter;
  }

  /** The plugin's first instance: the one other plugins' API calls reach. */
  function load(name: string): Promise<LoadedPlugin> {
    if (closed) return Promise.reject(shuttingDown(name));
    let pending = loaded.get(name);
    if (!pending) {
      const stamp = stampOf(configPath(pluginsDir, name));
      pending = (closing.get(name) ?? Promise.resolve()).then(() => open(name));
      loaded.set(name, pending);
      loadedSettings.set(name, stamp);
      // A failed load is not cached: the next call tries again.
      pending.catch(() => {
        if (loaded.get(name) === pending) loaded.delete(name);
      });
    }
    return pending;
  }

  /**
   * Loads `name` after the plugins whose APIs it uses, in the order the manifests give; a
   * missing provider or a cycle among providers fails here, before anything loads.
   */
  async function ensureLoaded(
    name: string,
    plugins: readonly InstalledPlugin[],
  ): Promise<LoadedPlugin> {
    const order = loadOrder(name, plugins);
    for (const provider of order.slice(0, -1)) {
      await load(provider).catch((e) => {
        throw new PluginError(
          "not_found",
          `it needs the APIs of plugin ${provider}, which cannot be loaded: ${e.message}`,
          name,
        );
      });
    }
    return await load(name);
  }

  /**
   * Runs `run` on a free instance of the plugin: the first, else a spare, else the first.
   * Getting the instance (loading it, and its providers) waits only `within` the call's bound.
   */
  async function withInstance(
    name: string,
    plugins: readonly InstalledPlugin[],
    within: <T>(p: Promise<T>) => Promise<T>,
    run: (plugin: LoadedPlugin) => Promise<string>,
  ): Promise<string> {
    const first = await within(ensureLoaded(name, plugins));
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
    // Back to the pool when done, unless invalidated (or shut down) meanwhile.
    const release = (spare: LoadedPlugin) => {
      if (!closed && spares.get(name) === pool) pool.idle.push(spare);
      else spare.close();
    };
    let spare = pool.idle.pop();
    if (!spare) {
      pool.count++;
      const opening = open(name);
      opening.catch(() => pool.count--);
      try {
        spare = await within(opening);
      } catch (e) {
        // The call gave up waiting: the instance, once started, serves a later call.
        opening.then(release, () => {});
        throw e;
      }
    }
    try {
      return await run(spare);
    } finally {
      release(spare);
    }
  }

  async function closeLoaded(name: string) {
    const pending = loaded.get(name);
    loaded.delete(name);
    loadedSettings.delete(name);
    const pool = spares.get(name);
    spares.delete(name);
    if (quotas.has(name)) staleQuotas.add(name);
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
    timeLimitMs: timeLimit,
    // Always read afresh (cheap: module hashes are cached by file stat), so a module changed
    // on disk shows as broken even when the lockfile did not change.
    list: () => refresh(),
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
      // The call's bound starts now: loading the plugin counts against it.
      const startedAt = performance.now();
      const timeoutMs = callOpts.timeoutMs ?? timeLimit;
      const plugins = await installed();
      const info = plugins.find((p) => p.name === pluginName);
      if (!info) throw new PluginError("not_found", "no such plugin is installed", pluginName);
      const action = info.manifest?.actions.find((a: ActionSpec) => a.name === actionName);
      if (!action) {
        throw new PluginError("not_found", `the plugin has no action "${actionName}"`, pluginName);
      }
      // Settings changed outside this process (`rungpt plugin config`): reload with them.
      if (
        loadedSettings.has(pluginName) &&
        await loadedSettings.get(pluginName) !==
          await stampOf(configPath(pluginsDir, pluginName))
      ) {
        await reload([pluginName], plugins);
      }
      const bound = callBound(pluginName, actionName, startedAt, timeoutMs, callOpts.signal);
      try {
        return await withInstance(
          pluginName,
          plugins,
          bound.within,
          (plugin) =>
            callAction(plugin, action.export ?? action.name, actionInput(action, input), {
              signal: callOpts.signal,
              timeoutMs,
              startedAt,
            }),
        );
      } catch (e) {
        recordFailure(pluginName, actionName, e);
        throw e;
      } finally {
        bound.dispose();
      }
    },
    async invalidate(name) {
      if (name) {
        await refresh([name]);
        return;
      }
      known = undefined;
      await Promise.all([...new Set([...loaded.keys(), ...spares.keys()])].map(closeLoaded));
    },
    logs: (name) => [...(logs.get(name) ?? [])],
    warm() {
      if (closed) return;
      warming = installed().then((plugins) => {
        for (const p of plugins) {
          // Failures surface on the call that needs the plugin, with their message.
          if (p.enabled && p.manifest && !closed) ensureLoaded(p.name, plugins).catch(() => {});
        }
      }, () => {});
    },
    async close() {
      closed = true;
      shutdown.abort();
      await Promise.all([warming, swept]);
      await Promise.all([...new Set([...loaded.keys(), ...spares.keys()])].map(closeLoaded));
    },
  };
}

function shuttingDown(name: string): PluginError {
  return new PluginError("not_found", "rungpt is shutting down", name);
}

/**
 * The bound of one call while it waits for its plugin to load: the call's time limit, counted
 * from `startedAt`, and its cancel signal. `within(p)` rejects when either ends first.
 */
function callBound(
  plugin: string,
  action: string,
  startedAt: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
) {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new PluginError(
          "timeout",
          `call to "${action}" exceeded the time limit of ${
            Math.round(timeoutMs)
          } ms while the plugin was loading`,
          plugin,
        ),
      ),
    Math.max(0, startedAt + timeoutMs - performance.now()),
  );
  const onCancel = () =>
    controller.abort(new PluginError("aborted", `call to "${action}" was cancelled`, plugin));
  signal?.addEventListener("abort", onCancel);
  if (signal?.aborted) onCancel();
  return {
    within: <T>(p: Promise<T>) => raceAbort(p, controller.signal),
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCancel);
    },
  };
}
