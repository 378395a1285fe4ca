/**
 * The built-in `rungpt:*` APIs, ready to register.
 * @module
 */
import { type ApiRegistry, createRegistry, registerApi } from "../registry.ts";
import { configApi } from "./config.ts";
import { fsApi } from "./fs.ts";
import { logApi } from "./log.ts";
import { checkedFetch, netApi, type NetDeps } from "./net.ts";

/** Options of the built-in APIs. */
export interface BuiltinOptions {
  /** What `rungpt:net` uses to reach the network (tests replace DNS and TCP). */
  net?: NetDeps;
}

/**
 * Registers `rungpt:fs`, `rungpt:net`, `rungpt:config` and `rungpt:log`, and the checked HTTP
 * client Extism's `http_request` uses.
 */
export function registerBuiltinApis(registry: ApiRegistry, opts: BuiltinOptions = {}): void {
  for (const api of [fsApi(), netApi(opts.net), configApi(), logApi()]) {
    registerApi(registry, api);
  }
  registry.http = checkedFetch(opts.net);
}

/**
 * A new registry holding the built-in APIs.
 *
 * @example
 * ```ts
 * const registry = createDefaultRegistry();
 * registry.apis.has("rungpt:fs"); // true
 * ```
 */
export function createDefaultRegistry(opts: BuiltinOptions = {}): ApiRegistry {
  const registry = createRegistry();
  registerBuiltinApis(registry, opts);
  return registry;
}
