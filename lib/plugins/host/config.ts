/**
 * `rungpt:config`: the plugin's declared settings and its own persistent key-value state.
 *
 * Settings are the manifest's `config` entries, user values over defaults; a plugin sees only
 * its own (secrets included), never the environment or the provider's API key. State is a JSON
 * object kept in `<plugin data dir>/.rungpt-state.json`, bounded by `limits.stateBytes`.
 *
 * Functions:
 * - `get          {key?}` → the setting's value (`null` when unset), or all settings without `key`
 * - `state_get    {key}` → the stored JSON value or `null`
 * - `state_set    {key, value}` → `null`
 * - `state_delete {key}` → `null`
 * - `state_keys   {}` → `string[]`
 * @module
 */
import { join } from "node:path";
import { STATE_FILE } from "./fs.ts";
import {
  type ApiDefinition,
  type HostCall,
  parseRequest,
  type PluginHost,
  requireString,
} from "../registry.ts";

const MAX_KEY = 256;

async function loadState(host: PluginHost): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(host.dir, STATE_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  try {
    const value = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new Error(`the plugin's state file ${STATE_FILE} is corrupt`);
}

async function saveState(host: PluginHost, state: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify(state);
  const size = new TextEncoder().encode(text).length;
  if (size > host.limits.stateBytes) {
    throw new Error(`state would be ${size} bytes, above the ${host.limits.stateBytes}-byte limit`);
  }
  await Deno.mkdir(host.dir, { recursive: true });
  // Write then rename, so a crash never leaves half a state file.
  const tmp = join(host.dir, `${STATE_FILE}.${crypto.randomUUID()}.tmp`);
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, join(host.dir, STATE_FILE));
}

function stateKey(req: Record<string, unknown>, what: string): string {
  const key = requireString(req, "key", what);
  if (key.length === 0 || key.length > MAX_KEY) {
    throw new Error(`${what}: "key" must be 1 to ${MAX_KEY} characters`);
  }
  return key;
}

function get(ctx: HostCall, input: string): unknown {
  const req = parseRequest(input || "{}", "rungpt:config get");
  const settings = ctx.plugin.settings;
  if (req.key === undefined) return { ...settings };
  const key = requireString(req, "key", "rungpt:config get");
  if (!Object.hasOwn(ctx.plugin.manifest.config, key)) {
    throw new Error(`rungpt:config get: "${key}" is not a setting declared in rungpt.yaml`);
  }
  return Object.hasOwn(settings, key) ? settings[key] : null;
}

/** The `rungpt:config` API definition. */
export function configApi(): ApiDefinition {
  return {
    specifier: "rungpt:config",
    description: "The plugin's settings and its own key-value state",
    functions: {
      get,
      async state_get(ctx, input) {
        const key = stateKey(parseRequest(input, "rungpt:config state_get"), "state_get");
        const state = await loadState(ctx.plugin);
        return Object.hasOwn(state, key) ? state[key] : null;
      },
      async state_set(ctx, input) {
        const req = parseRequest(input, "rungpt:config state_set");
        const key = stateKey(req, "state_set");
        if (!("value" in req)) throw new Error(`state_set: "value" is required`);
        const state = await loadState(ctx.plugin);
        state[key] = req.value;
        await saveState(ctx.plugin, state);
        return null;
      },
      async state_delete(ctx, input) {
        const key = stateKey(parseRequest(input, "rungpt:config state_delete"), "state_delete");
        const state = await loadState(ctx.plugin);
        if (Object.hasOwn(state, key)) {
          delete state[key];
          await saveState(ctx.plugin, state);
        }
        return null;
      },
      async state_keys(ctx) {
        return Object.keys(await loadState(ctx.plugin));
      },
    },
  };
}

/**
 * Merges user values over manifest defaults, keeping only declared settings of the right type.
 *
 * @example
 * ```ts
 * resolveSettings(manifest, { units: "metric" }); // { units: "metric", lang: "en" }
 * ```
 */
export function resolveSettings(
  manifest: PluginHost["manifest"],
  values: Readonly<Record<string, unknown>> = {},
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, spec] of Object.entries(manifest.config)) {
    const v = Object.hasOwn(values, key) ? values[key] : undefined;
    const matches = (spec.type === "string" && typeof v === "string") ||
      (spec.type === "number" && typeof v === "number" && Number.isFinite(v)) ||
      (spec.type === "boolean" && typeof v === "boolean");
    if (matches) out[key] = v as string | number | boolean;
    else if (spec.default !== undefined) out[key] = spec.default;
  }
  return out;
}
