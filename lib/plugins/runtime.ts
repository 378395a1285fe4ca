/**
 * The plugin runtime on the Extism ABI: loads a plugin's wasm into a warm instance running in a
 * worker (`@extism/extism`, `runInWorker`), links the APIs it declared and was granted, and calls
 * its exports under limits.
 *
 * - Compiled modules are cached by sha256 (and memory cap); each loaded plugin keeps one warm
 *   instance, and calls to the same plugin are serialized (Extism instances are not reentrant).
 * - Every call is bounded: time (`limits.timeoutMs`, including waiting for the instance and
 *   host functions), guest linear memory (`limits.memoryBytes`, enforced by rewriting the
 *   module's memory limits, see `runtime_wasm.ts`), what it asks the host to hold in Extism
 *   blocks (the same budget, kept by the allocation guard, `runtime_guard.ts`), output size
 *   (`limits.outputBytes`). The instance's blocks are freed after every call.
 *   An overrun ends that call with a {@link PluginError}; a timed-out, cancelled or trapped
 *   instance is discarded (its worker terminated) and a fresh one is created on the next call.
 * - Time limits and cancellation are the runtime's own (terminating the worker), not Extism's
 *   `timeoutMs`, whose timers outlive every call.
 *
 * @example
 * ```ts
 * const plugin = await loadPlugin({ wasm, manifest, grants: { apis: manifest.apis }, dataDir });
 * try {
 *   const out = await callAction(plugin, "upper", '{"text":"hi"}');
 * } finally {
 *   await plugin.close();
 * }
 * ```
 * @module
 */
import type createPluginFn from "@extism/extism";
import type { Plugin as ExtismPlugin } from "@extism/extism";
import type { Manifest } from "./manifest.ts";
import { openDataQuota, pluginDataDir } from "./data_dir.ts";
import { checkImports } from "./imports.ts";
import {
  type ApiRegistry,
  type CallBudget,
  DEFAULT_LIMITS,
  type Grants,
  hostFunction,
  type LogEntry,
  type LogLevel,
  lookupApi,
  type PluginHost,
  type PluginLimits,
  registerApi,
  unregisterApi,
} from "./registry.ts";
import { createDefaultRegistry } from "./host/mod.ts";
import { EXTISM_HTTP_MODULE, extismHttpFunctions } from "./host/extism_http.ts";
import { resolveSettings } from "./host/config.ts";
import { DEFAULT_QUOTA, type QuotaLedger } from "./host/quota.ts";
import { type LogLimiter, type LogRing, PluginLog } from "./host/log.ts";
import { HostFunctionError, PluginError } from "./runtime_errors.ts";
import { MEMORY_PROBE, type PreparedModule, prepareModule } from "./runtime_wasm.ts";
import { GUARD_MODULE } from "./runtime_guard.ts";
import { WASI_BRIDGE_MODULE, WASI_HOST_MODULE } from "./wasi_bridge.ts";
import { wasiStep } from "./host/wasi.ts";

export { PluginError, type PluginErrorKind } from "./runtime_errors.ts";

const PAGE = 65536;
/** Upper bound on starting a worker and instantiating the module (not counted as call time). */
const START_TIMEOUT_MS = 30_000;

/** The `extism:host/env` functions a module may import (Extism's kernel, with rungpt's HTTP). */
const EXTISM_KERNEL: readonly string[] = [
  ...["input_length", "input_offset", "input_load_u8", "input_load_u64"],
  ...["alloc", "free", "length", "length_unsafe", "load_u8", "load_u64", "store_u8", "store_u64"],
  ...["output_set", "error_set", "error_get", "config_get", "var_get", "var_set"],
  ...["log_trace", "log_debug", "log_info", "log_warn", "log_error", "get_log_level"],
  ...["http_request", "http_status_code", "http_headers"],
];

/** What {@link loadPlugin} needs. */
export interface LoadPluginOptions {
  /** The module's bytes, as installed. */
  wasm: Uint8Array;
  manifest: Manifest;
  /** What the user granted; only declared and granted APIs link. */
  grants: Grants;
  /** The app's data dir; the plugin's own is `<dataDir>/plugins/<name>`. */
  dataDir: string;
  /** The user's values of declared settings (defaults fill the rest). */
  config?: Readonly<Record<string, unknown>>;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<PluginLimits>;
  /** API registry shared by all plugins; defaults to one process-wide registry. */
  registry?: ApiRegistry;
  /** Receives every log line (Extism `log_*` and `rungpt:log`), escaped and rate-limited. */
  onLog?: (entry: LogEntry) => void;
  /**
   * The plugin's log budget; pass one per plugin to share it among its instances (the
   * manager does). A new one with the default budget otherwise.
   */
  logLimiter?: LogLimiter;
  /** Cancels loading: the worker is stopped and the load rejects (kind `aborted`). */
  signal?: AbortSignal;
  /**
   * The quota account of the plugin's data dir, shared by all its instances (the plugin
   * manager keeps one per plugin); without it, one is opened with {@linkcode DEFAULT_QUOTA}.
   */
  quota?: QuotaLedger;
}

/** A loaded plugin, ready to call. Close it to stop its worker. */
export interface LoadedPlugin {
  readonly name: string;
  readonly manifest: Manifest;
  /** Hex sha256 of the original module bytes. */
  readonly sha256: string;
  readonly limits: Readonly<PluginLimits>;
  /** The plugin's data directory. */
  readonly dir: string;
  /** The most recent log lines, for the plugin's page. */
  readonly logs: LogRing;
  /** Names of the functions the module exports (callable with {@link callAction}). */
  readonly exports: readonly string[];
  /** Stops the worker and unregisters the APIs the plugin provides. Idempotent. */
  close(): Promise<void>;
}

/** Options of one call. */
export interface CallOptions {
  /** Cancels the call (the instance is discarded). */
  signal?: AbortSignal;
  /** Overrides `limits.timeoutMs` for this call. */
  timeoutMs?: number;
  /**
   * When the call began (`performance.now()`), if before this function was called: the time
   * limit counts from then (the plugin manager counts loading the plugin).
   */
  startedAt?: number;
  /** @internal The budget of the calling plugin, for plugin-to-plugin calls. */
  parent?: CallBudget;
}

interface Internal {
  host: PluginHost;
  log: PluginLog;
  prepared: PreparedModule;
  module: WebAssembly.Module;
  guard: WebAssembly.Module | null;
  wasi: WebAssembly.Module | null;
  registry: ApiRegistry;
  imports: Map<string, string[]>;
  extismConfig: Record<string, string>;
  instance: ExtismPlugin | null;
  tail: Promise<void>;
  closed: boolean;
  provided: string[];
}

const internals = new WeakMap<LoadedPlugin, Internal>();
/** A plugin's module as compiled, with its allocation guard and WASI bridge. */
interface Compiled {
  prepared: PreparedModule;
  module: WebAssembly.Module;
  guard: WebAssembly.Module | null;
  wasi: WebAssembly.Module | null;
}

const moduleCache = new Map<string, Promise<Compiled>>();
let defaultRegistry: ApiRegistry | null = null;

/** The process-wide registry used when {@link LoadPluginOptions.registry} is omitted. */
export function sharedRegistry(): ApiRegistry {
  return defaultRegistry ??= createDefaultRegistry();
}

/** Empties the compiled-module cache (tests, or after many plugins were removed). */
export function clearModuleCache(): void {
  moduleCache.clear();
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function compile(bytes: Uint8Array, hash: string, maxPages: number) {
  const key = `${hash}:${maxPages}`;
  let entry = moduleCache.get(key);
  if (!entry) {
    entry = (async () => {
      const prepared = prepareModule(bytes, { maxPages });
      try {
        const module = await WebAssembly.compile(prepared.bytes as BufferSource);
        const guard = prepared.guard && await WebAssembly.compile(prepared.guard as BufferSource);
        const bridge = prepared.wasi?.bridge;
        const wasi = bridge ? await WebAssembly.compile(bridge as BufferSource) : null;
        return { prepared, module, guard, wasi };
      } catch (e) {
        throw new PluginError("invalid", `invalid wasm module: ${(e as Error).message}`);
      }
    })();
    moduleCache.set(key, entry);
    entry.catch(() => moduleCache.delete(key));
  }
  return entry;
}

/**
 * Everything {@link loadPlugin} checks before it starts an instance: the module compiles under
 * the memory cap, imports only what the manifest declares (and the grants allow), no refused
 * Extism function, and only functions the built-in APIs have. The installer runs it too, so a
 * module that could never load is refused at install.
 *
 * @example
 * ```ts
 * await checkLoadable(wasmBytes, manifest); // throws PluginError naming the problem
 * ```
 */
export async function checkLoadable(
  wasm: Uint8Array,
  manifest: Manifest,
  opts: { grants?: Grants; limits?: Partial<PluginLimits>; registry?: ApiRegistry } = {},
): Promise<Checked> {
  const name = manifest.name;
  const limits: PluginLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const registry = opts.registry ?? sharedRegistry();
  const maxPages = Math.max(1, Math.floor(limits.memoryBytes / PAGE));
  const hash = await sha256Hex(wasm);
  let compiled;
  try {
    compiled = await compile(wasm, hash, maxPages);
  } catch (e) {
    if (e instanceof PluginError) throw new PluginError(e.kind, e.message, name);
    throw e;
  }
  const imports = checkImports(compiled.prepared.imports, manifest, opts.grants);
  const unknown = imports.extism.find((f) => !EXTISM_KERNEL.includes(f));
  if (unknown) {
    throw new PluginError(
      "invalid",
      `module "extism:host/env" function "${unknown}" is not an Extism kernel function rungpt provides`,
      name,
    );
  }
  if (imports.extismUser.length) {
    throw new PluginError(
      "denied",
      `module "extism:host/user" function "${
        imports.extismUser[0]
      }" is imported but rungpt provides no extism:host/user functions`,
      name,
    );
  }
  for (const [spec, fns] of imports.apis) {
    if (!spec.startsWith("rungpt:")) continue; // plugin-provided: resolved at call time
    const api = lookupApi(registry, spec);
    if (!api) throw new PluginError("invalid", `unknown built-in API ${spec}`, name);
    const missing = fns.find((f) => !Object.hasOwn(api.functions, f));
    if (missing) {
      throw new PluginError(
        "invalid",
        `module "${spec}" function "${missing}" is imported but ${spec} has no such function (it has ${
          Object.keys(api.functions).join(", ")
        })`,
        name,
      );
    }
  }
  return { compiled, imports, limits, registry, hash };
}

/** What {@link checkLoadable} found, reused by {@link loadPlugin}. */
export interface Checked {
  compiled: Compiled;
  imports: ReturnType<typeof checkImports>;
  limits: PluginLimits;
  registry: ApiRegistry;
  hash: string;
}

/**
 * Loads a plugin: checks its imports against manifest and grants, compiles (cached), links its
 * APIs, registers the APIs it provides and starts a warm instance.
 *
 * Throws {@link PluginError}: `"denied"` for an undeclared or ungranted import, `"invalid"` for
 * a bad module or an unknown API function, `"memory"` when its initial memory exceeds the cap.
 */
export async function loadPlugin(opts: LoadPluginOptions): Promise<LoadedPlugin> {
  const { manifest } = opts;
  const name = manifest.name;
  const { compiled, imports, limits, registry, hash } = await checkLoadable(
    opts.wasm,
    manifest,
    opts,
  );

  const dir = pluginDataDir(opts.dataDir, name);
  await Deno.mkdir(dir, { recursive: true });
  const settings = resolveSettings(manifest, opts.config);
  const log = new PluginLog(name, {
    limiter: opts.logLimiter,
    onLog: opts.onLog,
    secrets: secretValues(manifest, settings),
  });
  const host: PluginHost = {
    name,
    manifest,
    grants: opts.grants,
    dir,
    settings,
    limits,
    quota: opts.quota ?? await openDataQuota(name, dir, DEFAULT_QUOTA),
    log: (level: LogLevel, message: string) => log.write(level, message),
  };
  const exports = WebAssembly.Module.exports(compiled.module)
    .filter((e) => e.kind === "function" && !e.name.startsWith("__rungpt_"))
    .map((e) => e.name);

  const internal: Internal = {
    host,
    log,
    prepared: compiled.prepared,
    module: compiled.module,
    guard: compiled.guard,
    wasi: compiled.wasi,
    registry,
    imports: imports.apis,
    extismConfig: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])),
    instance: null,
    tail: Promise.resolve(),
    closed: false,
    provided: [],
  };
  const plugin: LoadedPlugin = {
    name,
    manifest,
    sha256: hash,
    limits,
    dir,
    logs: log.ring,
    exports,
    close: () => closePlugin(plugin),
  };
  internals.set(plugin, internal);

  for (const api of manifest.provides) {
    const specifier = `${name}:${api.name}`;
    const functions = Object.fromEntries(api.functions.map((fn) => [
      fn,
      (ctx: { call: CallBudget }, input: string) => callProvided(plugin, fn, input, ctx.call),
    ]));
    registerApi(registry, { specifier, description: api.description, functions, provider: name });
    internal.provided.push(specifier);
  }

  try {
    // Warm up now, so the first call does not pay for the worker and start-up code.
    await callAction(plugin, "", "", { timeoutMs: limits.timeoutMs, signal: opts.signal });
  } catch (e) {
    await plugin.close();
    throw e;
  }
  return plugin;
}

/** The values of `manifest`'s secret settings, as text, to keep them out of its log. */
function secretValues(
  manifest: Manifest,
  settings: Readonly<Record<string, string | number | boolean>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(manifest.config)
      .filter(([key, spec]) => spec.secret && Object.hasOwn(settings, key))
      .map(([key]) => [key, String(settings[key])]),
  );
}

async function callProvided(
  provider: LoadedPlugin,
  fn: string,
  input: string,
  parent: CallBudget,
): Promise<string> {
  if (parent.chain.includes(provider.name)) {
    throw new PluginError(
      "denied",
      `call cycle: ${[...parent.chain, provider.name].join(" → ")}`,
    );
  }
  return await callAction(provider, fn, input, { parent });
}

async function closePlugin(plugin: LoadedPlugin): Promise<void> {
  const int = internals.get(plugin);
  if (!int || int.closed) return;
  int.closed = true;
  for (const spec of int.provided) unregisterApi(int.registry, spec);
  await discard(int);
}

async function discard(int: Internal): Promise<void> {
  const instance = int.instance;
  int.instance = null;
  if (instance) await instance.close().catch(() => {});
}

function extismFunctions(int: Internal): NonNullable<ExtismOptions["functions"]> {
  const out: NonNullable<ExtismOptions["functions"]> = {
    [EXTISM_HTTP_MODULE]: extismHttpFunctions(int.registry.http, int.host),
  };
  const wasi = int.prepared.wasi;
  if (wasi) out[WASI_HOST_MODULE] = { step: wasiStep(wasi.functions, int.host) };
  for (const [spec, fns] of int.imports) {
    out[spec] = {};
    for (const fn of fns) out[spec][fn] = hostFunction(int.registry, spec, fn, int.host);
  }
  return out;
}

type ExtismOptions = NonNullable<Parameters<typeof createPluginFn>[1]>;
type ExtismLogger = ExtismOptions["logger"];

function extismLogger(host: PluginHost): ExtismLogger {
  const at = (level: LogLevel) => (message: unknown) => host.log(level, String(message));
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    log: at("info"),
  } as unknown as ExtismLogger;
}

async function newInstance(int: Internal): Promise<ExtismPlugin> {
  try {
    // Loaded on first use: a server without plugins never pays for it at start-up.
    const { default: createPlugin } = await import("@extism/extism");
    const linked = [
      ...(int.guard ? [{ module: int.guard, name: GUARD_MODULE }] : []),
      ...(int.wasi ? [{ module: int.wasi, name: WASI_BRIDGE_MODULE }] : []),
    ];
    return await createPlugin({ wasm: [...linked, { module: int.module, name: "main" }] }, {
      runInWorker: true,
      nodeWorkerArgs: { execArgv: [] },
      useWasi: false,
      functions: extismFunctions(int),
      config: int.extismConfig,
      allowedHosts: [],
      logger: extismLogger(int.host),
      logLevel: "debug",
      // The allocation guard bounds the kernel's blocks and the module its own memory; Extism's
      // `maxPages` would only check after allocating, summing every block on every `alloc`.
      memory: { maxVarBytes: 1024 * 1024 },
    });
  } catch (e) {
    throw new PluginError("trap", `could not instantiate: ${(e as Error).message}`, int.host.name);
  }
}

/**
 * `p`, or a rejection with the signal's reason when it aborts first; `p`'s own rejection is
 * always handled.
 *
 * @example
 * ```ts
 * const plugin = await raceAbort(loading, AbortSignal.timeout(1000));
 * ```
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Calls export `exportName` with `input` (UTF-8 text; actions get their JSON arguments) and
 * returns the output text. Calling with an empty `exportName` only makes sure a warm instance
 * exists (start-up code run).
 *
 * Throws {@link PluginError}: `"not_found"` (no such export, or the plugin is closed),
 * `"timeout"`, `"aborted"`, `"memory"`, `"trap"`, `"output_too_large"`, `"plugin_error"` (the
 * plugin's own `error_set` message), `"denied"` (a plugin-to-plugin cycle).
 *
 * @example
 * ```ts
 * const out = await callAction(plugin, "upper", "hello", { timeoutMs: 5000 });
 * ```
 */
export async function callAction(
  plugin: LoadedPlugin,
  exportName: string,
  input: string,
  opts: CallOptions = {},
): Promise<string> {
  const int = internals.get(plugin);
  const name = plugin.name;
  if (!int || int.closed) throw new PluginError("not_found", "the plugin is not loaded", name);
  if (exportName !== "" && !plugin.exports.includes(exportName)) {
    throw new PluginError("not_found", `the module has no exported function "${exportName}"`, name);
  }
  const parent = opts.parent;
  const timeoutMs = opts.timeoutMs ?? plugin.limits.timeoutMs;
  const controller = new AbortController();
  const signal = controller.signal;
  const timedOut = new PluginError(
    "timeout",
    `call to "${exportName}" exceeded the time limit of ${Math.round(timeoutMs)} ms`,
    name,
  );
  const startTimeout = new PluginError(
    "timeout",
    `starting the plugin's worker took longer than ${START_TIMEOUT_MS} ms`,
    name,
  );
  const cancelled = new PluginError("aborted", `call to "${exportName}" was cancelled`, name);
  const onCancel = () => controller.abort(cancelled);
  const onParentAbort = () => controller.abort(parent?.signal.reason ?? cancelled);
  opts.signal?.addEventListener("abort", onCancel);
  parent?.signal.addEventListener("abort", onParentAbort);
  if (opts.signal?.aborted) onCancel();
  if (parent?.signal.aborted) onParentAbort();
  let deadline = Math.min(
    (opts.startedAt ?? performance.now()) + timeoutMs,
    parent?.deadline ?? Infinity,
  );
  let timer = setTimeout(
    () => controller.abort(timedOut),
    Math.max(0, deadline - performance.now()),
  );

  // Serialize calls to this plugin: wait for the previous one, within this call's budget.
  // The gate exists before anything can fail, so every exit (time-out or cancel while still
  // waiting included) opens it and the queue never wedges.
  const previous = int.tail;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  int.tail = previous.then(() => gate);
  let instance: ExtismPlugin | null = null;
  try {
    await raceAbort(previous, signal);
    if (int.closed) throw new PluginError("not_found", "the plugin was closed", name);
    instance = int.instance;
    let budget: CallBudget = { deadline, signal, chain: [...(parent?.chain ?? []), name] };
    if (!instance) {
      // Starting a worker is the host's cost, not the plugin's: it does not count against the
      // call's time (a plugin-to-plugin call's deadline still holds), but has its own bound.
      const started = performance.now();
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(startTimeout), START_TIMEOUT_MS);
      const creating = newInstance(int);
      // If the call ends while the worker starts, stop the worker once it exists.
      creating.then((p) => {
        if (signal.aborted) p.close();
      }, () => {});
      instance = await raceAbort(creating, signal);
      int.instance = instance;
      deadline = Math.min(deadline + (performance.now() - started), parent?.deadline ?? Infinity);
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(timedOut),
        Math.max(0, deadline - performance.now()),
      );
      budget = { ...budget, deadline };
      for (const init of int.prepared.initExports) {
        await raceAbort(instance.call(init, "", budget), signal);
      }
    }
    if (exportName === "") return "";
    const output = await raceAbort(instance.call(exportName, input, budget), signal);
    const bytes = output ? output.bytes() : new Uint8Array();
    if (bytes.length > plugin.limits.outputBytes) {
      throw new PluginError(
        "output_too_large",
        `output of "${exportName}" is ${bytes.length} bytes, above the limit of ${plugin.limits.outputBytes}`,
        name,
      );
    }
    return new TextDecoder().decode(bytes);
  } catch (e) {
    throw await classify(int, instance, e, exportName, signal);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCancel);
    parent?.signal.removeEventListener("abort", onParentAbort);
    int.log.flush();
    // Extism keeps every block until a reset, walks them all on each call, and the guard's
    // budget spans them: a reset after each call keeps both small (and calls faster).
    if (instance && int.instance === instance) {
      await resetBlocks(int, instance).catch(() => discard(int));
    }
    release();
  }
}

/** Frees the instance's Extism blocks and clears the allocation guard's books with them. */
async function resetBlocks(int: Internal, instance: ExtismPlugin): Promise<void> {
  await instance.reset();
  if (int.prepared.guardReset) await instance.call(int.prepared.guardReset, "");
}

/** Turns any failure into a PluginError, discarding the instance when it may be unusable. */
async function classify(
  int: Internal,
  instance: ExtismPlugin | null,
  e: unknown,
  exportName: string,
  signal: AbortSignal,
): Promise<PluginError> {
  const name = int.host.name;
  if (signal.aborted) {
    if (instance && int.instance === instance) await discard(int);
    const reason = signal.reason;
    return reason instanceof PluginError
      ? reason
      : new PluginError("aborted", String(reason), name);
  }
  if (e instanceof HostFunctionError) {
    // Extism stopped the worker when the host function threw.
    if (instance && int.instance === instance) await discard(int);
    return e;
  }
  if (e instanceof PluginError) {
    // Our own errors (output too large, closed) leave the instance intact.
    return e.plugin ? e : new PluginError(e.kind, e.message, name);
  }
  const message = e instanceof Error
    ? e.message
    : String((e as { message?: unknown })?.message ?? e);
  const own = /^Plugin-originated error: ([\s\S]*)$/.exec(message);
  if (own) return new PluginError("plugin_error", own[1], name);
  // A trap: was the guest out of memory? Ask the probe before the instance goes.
  let kind: "memory" | "trap" = "trap";
  if (instance && int.prepared.probe) {
    try {
      await raceAbort(instance.call(MEMORY_PROBE, ""), signal);
    } catch {
      kind = "memory";
    }
  }
  if (instance && int.instance === instance) await discard(int);
  const what = exportName === "" ? "start-up code" : `"${exportName}"`;
  return kind === "memory"
    ? new PluginError(
      "memory",
      `${what} ran out of memory: the limit is ${int.host.limits.memoryBytes} bytes (${message})`,
      name,
    )
    : new PluginError("trap", `${what} trapped: ${message}`, name);
}
