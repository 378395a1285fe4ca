/**
 * The provider graph of installed plugins: which plugins a plugin needs loaded first (the
 * namespaces of the `<plugin>:<api>` entries in its `apis`), in what order, and which plugins
 * depend on a changed one. Everything here reads manifests only, so a cycle or a missing
 * provider is found before anything loads.
 * @module
 */
import type { InstalledPlugin } from "./installed.ts";
import type { Manifest } from "./manifest.ts";
import { PluginError } from "./runtime_errors.ts";

/** The plugins whose APIs `manifest` imports, in the order of its `apis`. */
export function providersOf(manifest: Manifest): string[] {
  const out: string[] = [];
  for (const api of manifest.apis) {
    const [ns] = api.split(":");
    if (ns !== "rungpt" && !out.includes(ns)) out.push(ns);
  }
  return out;
}

/**
 * The plugins to load for a call to `name`: its providers (and theirs), each after the ones it
 * needs, then `name` itself last. Throws a {@linkcode PluginError} naming the problem when a
 * provider is missing, disabled, broken or does not provide the API, or when providers form a
 * cycle (`ping → pong → ping`): such plugins would wait for each other forever.
 *
 * @example
 * ```ts
 * loadOrder("consumer", await listInstalled(dir)); // ["provider", "consumer"]
 * ```
 */
export function loadOrder(name: string, plugins: readonly InstalledPlugin[]): string[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const order: string[] = [];
  const visiting: string[] = [];
  const visit = (current: string) => {
    if (order.includes(current)) return;
    const at = visiting.indexOf(current);
    if (at !== -1) {
      const cycle = [...visiting.slice(at), current];
      throw new PluginError(
        "invalid",
        `plugins ${describeCycle(cycle)} use each other's APIs (${cycle.join(" → ")}); ` +
          `plugins whose APIs form a cycle cannot be loaded: disable or remove one of them`,
        name,
      );
    }
    const manifest = byName.get(current)?.manifest;
    if (!manifest) return; // reported by the caller for `name`, by `checkProvider` below
    visiting.push(current);
    for (const api of manifest.apis) {
      const [provider, apiName] = api.split(":");
      if (provider === "rungpt") continue;
      checkProvider(current, api, apiName, byName.get(provider));
      visit(provider);
    }
    visiting.pop();
    order.push(current);
  };
  visit(name);
  return order;
}

/** "a and b", "a, b and c". */
function describeCycle(cycle: string[]): string {
  const names = [...new Set(cycle)];
  return names.length === 1
    ? names[0]
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function checkProvider(
  consumer: string,
  api: string,
  apiName: string,
  provider: InstalledPlugin | undefined,
): void {
  const needs = `it needs the API ${api}, but`;
  const [ns] = api.split(":");
  if (!provider) {
    throw new PluginError("not_found", `${needs} no plugin named ${ns} is installed`, consumer);
  }
  if (!provider.enabled) {
    throw new PluginError(
      "denied",
      `${needs} plugin ${ns} is disabled; enable it on /plugins`,
      consumer,
    );
  }
  if (!provider.manifest || provider.error) {
    throw new PluginError(
      "not_found",
      `${needs} plugin ${ns} cannot be loaded: ${provider.error}`,
      consumer,
    );
  }
  const provided = provider.manifest.provides.map((p) => p.name);
  if (!provided.includes(apiName)) {
    throw new PluginError(
      "not_found",
      `${needs} plugin ${ns} does not provide "${apiName}" (it provides: ${
        provided.length ? provided.join(", ") : "nothing"
      })`,
      consumer,
    );
  }
}

/**
 * Every plugin that imports an API of one of `names`, directly or through other plugins
 * (`names` excluded): they must reload when one of `names` does, since closing a provider
 * unregisters its APIs. `plugins` may list a plugin twice (before and after a change).
 *
 * @example
 * ```ts
 * dependentsOf(["provider"], plugins); // ["consumer"]
 * ```
 */
export function dependentsOf(
  names: readonly string[],
  plugins: readonly { name: string; manifest: Manifest | null }[],
): string[] {
  const found = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of plugins) {
      if (found.has(p.name) || !p.manifest) continue;
      if (providersOf(p.manifest).some((provider) => found.has(provider))) {
        found.add(p.name);
        grew = true;
      }
    }
  }
  return [...found].filter((n) => !names.includes(n));
}
