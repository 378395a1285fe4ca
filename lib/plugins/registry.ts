/**
 * The API registry: every `<namespace>:<api>` a plugin can import is one entry here, whether
 * rungpt provides it (`rungpt:fs`, `rungpt:net`, …) or another plugin does (`<plugin>:<api>`).
 *
 * Calling convention (the same for every host function, built-in or plugin-provided): the wasm
 * import `(<namespace>:<api>, <function>)` has the signature `(i64) -> i64`. The argument is the
 * Extism memory offset of the request (UTF-8 text: a JSON document for built-in APIs, any text
 * for plugin-provided ones); the result is the offset of a UTF-8 JSON envelope, either
 * `{"ok": <value>}` or `{"error": "<message>"}`. Host functions never trap the guest.
 * @module
 */
import type { CallContext } from "@extism/extism";
import type { Manifest } from "./manifest.ts";
import type { QuotaLedger } from "./host/quota.ts";
import type { CheckedFetch } from "./host/net.ts";
import { PluginError } from "./runtime_errors.ts";

/** A declared setting's value. */
export type SettingValue = string | number | boolean;

/** What the user granted a plugin; the effective rights are declared ∩ granted. */
export interface Grants {
  /** The `<namespace>:<api>` specifiers the user allowed (a subset of `manifest.apis`). */
  apis: readonly string[];
  /** Hosts the user allowed for `rungpt:net`; omitted means every host the manifest lists. */
  netHosts?: readonly string[];
  /** Allow `rungpt:net` to reach loopback, private, link-local and unique-local addresses. */
  allowPrivateNetwork?: boolean;
}

/** Bounds applied to every call of a plugin. */
export interface PluginLimits {
  /** Wall-clock time of one call, including host functions it awaits (ms). */
  timeoutMs: number;
  /** The guest's linear memory cap (bytes, rounded down to 64 KiB pages). */
  memoryBytes: number;
  /** Largest output a call may return (bytes). */
  outputBytes: number;
  /** Largest request a host function accepts from the guest (bytes). */
  hostInputBytes: number;
  /** Largest file `rungpt:fs` reads or writes (bytes). */
  fileBytes: number;
  /** Largest HTTP response body `rungpt:net` returns (bytes). */
  httpResponseBytes: number;
  /** Time limit of one HTTP request, redirects included (ms); also bounded by the call. */
  httpTimeoutMs: number;
  /** Largest total size of a plugin's key-value state (bytes of JSON). */
  stateBytes: number;
  /**
   * WASI function calls one call may make (each is a round trip through the WASI bridge and
   * leaves an Extism block index behind until the call ends).
   */
  wasiCalls: number;
}

/** The defaults of {@link PluginLimits}. */
export const DEFAULT_LIMITS: Readonly<PluginLimits> = {
  timeoutMs: 30_000,
  memoryBytes: 64 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  hostInputBytes: 8 * 1024 * 1024,
  fileBytes: 4 * 1024 * 1024,
  httpResponseBytes: 1024 * 1024,
  httpTimeoutMs: 15_000,
  stateBytes: 1024 * 1024,
  wasiCalls: 10_000,
};

/** Log levels of `rungpt:log` and Extism's `log_*`. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** One log line of a plugin. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  time: number;
  plugin: string;
  level: LogLevel;
  message: string;
}

/** The calling plugin, as host functions see it. */
export interface PluginHost {
  name: string;
  manifest: Manifest;
  grants: Grants;
  /** The plugin's own data directory, `<dataDir>/plugins/<name>`. */
  dir: string;
  /** Declared settings: user values over manifest defaults. */
  settings: Readonly<Record<string, SettingValue>>;
  limits: Readonly<PluginLimits>;
  /** The quota account of the data dir, shared by every instance of the plugin. */
  quota: QuotaLedger;
  /** Writes one line to the server log and the plugin's ring buffer. */
  log(level: LogLevel, message: string): void;
}

/** The budget of the call in progress; plugin-to-plugin calls inherit it. */
export interface CallBudget {
  /** `performance.now()` value at which the whole call chain must end. */
  deadline: number;
  /** Aborted when the call times out or is cancelled. */
  signal: AbortSignal;
  /** Names of the plugins on the call stack, outermost first (for cycle detection). */
  chain: readonly string[];
}

/** What a host function receives besides its input. */
export interface HostCall {
  plugin: PluginHost;
  call: CallBudget;
}

/** One host function: raw input text in, a JSON-serialisable value out; throw to fail. */
export type ApiFunction = (ctx: HostCall, input: string) => unknown | Promise<unknown>;

/** One `<namespace>:<api>` and its functions. */
export interface ApiDefinition {
  /** `<namespace>:<api>`, e.g. `rungpt:fs`. */
  specifier: string;
  description?: string;
  functions: Readonly<Record<string, ApiFunction>>;
  /** The providing plugin, for plugin-provided APIs. */
  provider?: string;
}

/** The registry shared by built-in and plugin-provided APIs. */
export interface ApiRegistry {
  readonly apis: Map<string, ApiDefinition>;
  /**
   * The checked HTTP client of the built-in `rungpt:net`, which Extism's `http_request` uses
   * too; without it (a registry without the built-ins), every `http_request` is refused.
   */
  http?: CheckedFetch;
}

/**
 * Creates an empty registry.
 *
 * @example
 * ```ts
 * const registry = createRegistry();
 * registerApi(registry, { specifier: "rungpt:log", functions: { write: () => null } });
 * ```
 */
export function createRegistry(): ApiRegistry {
  return { apis: new Map() };
}

/** Adds an API; refuses a specifier that is already registered. */
export function registerApi(registry: ApiRegistry, def: ApiDefinition): void {
  if (registry.apis.has(def.specifier)) {
    throw new PluginError("invalid", `API ${def.specifier} is already registered`);
  }
  registry.apis.set(def.specifier, def);
}

/** Removes an API (e.g. when its providing plugin unloads); no-op when absent. */
export function unregisterApi(registry: ApiRegistry, specifier: string): void {
  registry.apis.delete(specifier);
}

/** Finds an API by specifier. */
export function lookupApi(registry: ApiRegistry, specifier: string): ApiDefinition | undefined {
  return registry.apis.get(specifier);
}

/** Extism host function shape: memory offset in, memory offset out. */
export type ExtismHostFunction = (cp: CallContext, offset: bigint) => Promise<bigint>;

/**
 * Builds the Extism host function for `(<specifier>, <fn>)`, implementing the calling
 * convention above. The API is looked up at call time, so a provider may load after its
 * consumers; a missing API or function becomes an `{"error": …}` envelope.
 */
export function hostFunction(
  registry: ApiRegistry,
  specifier: string,
  fn: string,
  plugin: PluginHost,
): ExtismHostFunction {
  return async (cp, offset) => {
    const call = cp.hostContext<CallBudget | undefined>();
    let envelope: { ok: unknown } | { error: string };
    try {
      if (!call) throw new Error("host functions can only be called during a call");
      const input = readInput(cp, offset, plugin.limits.hostInputBytes);
      const api = lookupApi(registry, specifier);
      if (!api) {
        const [ns] = specifier.split(":");
        throw new Error(
          ns === "rungpt"
            ? `API ${specifier} does not exist`
            : `API ${specifier} is not available: plugin ${ns} is not loaded or does not provide it`,
        );
      }
      const impl = Object.hasOwn(api.functions, fn) ? api.functions[fn] : undefined;
      if (!impl) throw new Error(`API ${specifier} has no function "${fn}"`);
      const value = await impl({ plugin, call }, input);
      envelope = { ok: value ?? null };
    } catch (e) {
      envelope = { error: e instanceof Error ? e.message : String(e) };
    }
    // A cancelled call's worker is already gone: unwind Extism's handler instead of answering.
    if (call?.signal.aborted) throw new Error("call cancelled");
    return cp.store(JSON.stringify(envelope));
  };
}

function readInput(cp: CallContext, offset: bigint, max: number): string {
  if (offset === 0n) return "";
  const length = Number(cp.length(offset));
  if (length > max) throw new Error(`request of ${length} bytes exceeds the ${max}-byte limit`);
  const out = cp.read(offset);
  if (!out) throw new Error("request offset does not point to Extism memory");
  return out.text();
}

/**
 * Parses a host function's JSON request, requiring an object.
 *
 * @example
 * ```ts
 * const { path } = parseRequest<{ path: string }>('{"path":"a.txt"}', "rungpt:fs read");
 * ```
 */
export function parseRequest<T extends Record<string, unknown>>(input: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    throw new Error(`${what}: request is not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what}: request must be a JSON object`);
  }
  return value as T;
}

/** Reads a required string field of a request. */
export function requireString(req: Record<string, unknown>, field: string, what: string): string {
  const v = req[field];
  if (typeof v !== "string") throw new Error(`${what}: "${field}" must be a string`);
  return v;
}
