/**
 * The built-in `rungpt:*` APIs, ready to register.
 * @module
 */
import { type ApiRegistry, createRegistry, registerApi } from "../registry.ts";
import { configApi } from "./config.ts";
import { fsApi } from "./fs.ts";
import { logApi } from "./log.ts";
import { netApi } from "./net.ts";

/** Registers `rungpt:fs`, `rungpt:net`, `rungpt:config` and `rungpt:log`. */
export function registerBuiltinApis(registry: ApiRegistry): void {
  for (const api of [fsApi(), netApi(), configApi(), logApi()]) registerApi(registry, api);
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
export function createDefaultRegistry(): ApiRegistry {
  const registry = createRegistry();
  registerBuiltinApis(registry);
  return registry;
}
