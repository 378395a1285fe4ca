/**
 * The installed plugins: listing them, loading one (hash verified), enabling and disabling,
 * and each plugin's user settings. Settings live in `<pluginsDir>/.config/<name>.json`
 * (mode 0600, since they may hold secrets; dir 0700), outside the plugin's dir so updates keep
 * them; only values the user set are stored, defaults come from the manifest.
 * @module
 */
import { join } from "node:path";
import {
  type Grants,
  hashMismatch,
  type LockEntry,
  LockfileError,
  readLockfile,
  sha256Hex,
  updateLockfile,
  type VerifiedPlugin,
  verifyPlugin,
  withPluginsLock,
  writeFileAtomic,
} from "./lockfile.ts";
import { DEFAULT_QUOTA, type QuotaLimits } from "./host/quota.ts";
import { type ConfigSpec, loadManifest, type Manifest, PLUGIN_NAME } from "./manifest.ts";

/** A setting's value. */
export type ConfigValue = string | number | boolean;

/** One installed plugin, as listed (with its module checked against the recorded hash). */
export interface InstalledPlugin {
  name: string;
  /** `null` when the manifest no longer loads; `error` says why. */
  manifest: Manifest | null;
  lock: LockEntry;
  /** The plugin's install dir. */
  dir: string;
  /** Path of the module (from the manifest), or `null` with `manifest`. */
  wasmPath: string | null;
  enabled: boolean;
  /** Why the plugin cannot be loaded, or `null`. */
  error: string | null;
}

/** A loaded plugin: verified module bytes plus its state. */
export interface LoadedPlugin extends VerifiedPlugin {
  enabled: boolean;
  grants: Grants;
}

/** Longest string setting accepted, in characters. */
export const MAX_CONFIG_STRING = 64 * 1024;

/** Where a plugin's user settings live: outside its dir, so updates keep them. */
export function configPath(pluginsDir: string, name: string): string {
  if (!PLUGIN_NAME.test(name)) throw new LockfileError(`invalid plugin name "${name}"`);
  return join(pluginsDir, ".config", `${name}.json`);
}

/**
 * Lists installed plugins (from the lockfile), sorted by name. A plugin whose manifest no
 * longer loads, or whose module is not the one installed (its sha256 changed), has `error`.
 *
 * @example
 * ```ts
 * for (const p of await listInstalled("./plugins_store")) console.log(p.name, p.enabled);
 * ```
 */
export async function listInstalled(pluginsDir: string): Promise<InstalledPlugin[]> {
  const lock = await readLockfile(pluginsDir);
  const out: InstalledPlugin[] = [];
  for (const name of Object.keys(lock.plugins).sort()) {
    const entry = lock.plugins[name];
    const dir = join(pluginsDir, name);
    let manifest: Manifest | null = null;
    let error: string | null = null;
    try {
      manifest = await loadManifest(dir);
      error = hashMismatch(name, entry, await moduleHash(join(dir, manifest.wasm)));
    } catch (e) {
      error = (e as Error).message;
    }
    out.push({
      name,
      manifest,
      lock: entry,
      dir,
      wasmPath: manifest ? join(dir, manifest.wasm) : null,
      enabled: entry.enabled,
      error,
    });
  }
  return out;
}

// Module hashes by path, valid while the file's identity, size and times are unchanged: a
// listing hashes only modules that changed since the last one.
const hashes = new Map<string, { stamp: string; sha256: string }>();

/** The sha256 of the module at `path`, from the cache while its stat says it is unchanged. */
async function moduleHash(path: string): Promise<string> {
  const info = await Deno.stat(path);
  const stamp = [info.dev, info.ino, info.size, info.mtime?.getTime(), info.ctime?.getTime()]
    .join(":");
  const cached = hashes.get(path);
  if (cached?.stamp === stamp) return cached.sha256;
  const sha256 = await sha256Hex(await Deno.readFile(path));
  hashes.set(path, { stamp, sha256 });
  return sha256;
}

/**
 * Loads installed plugin `name`, verifying its module's sha256 against the lockfile.
 *
 * @example
 * ```ts
 * const p = await loadInstalled("./plugins_store", "weather");
 * if (p.enabled) await runtime.load(p.wasmBytes, p.manifest, p.grants);
 * ```
 */
export async function loadInstalled(pluginsDir: string, name: string): Promise<LoadedPlugin> {
  const v = await verifyPlugin(pluginsDir, name);
  return { ...v, enabled: v.entry.enabled, grants: v.entry.grants };
}

/**
 * Enables or disables installed plugin `name`.
 *
 * @example
 * ```ts
 * await setEnabled("./plugins_store", "weather", false);
 * ```
 */
export function setEnabled(pluginsDir: string, name: string, enabled: boolean): Promise<void> {
  return withPluginsLock(pluginsDir, async () => {
    await updateLockfile(pluginsDir, (lock) => {
      const entry = lock.plugins[name];
      if (!entry) throw new LockfileError(`plugin ${name} is not installed`);
      entry.enabled = enabled;
    });
  });
}

/**
 * The quota of installed plugin `entry`'s data dir: what the user set, else the default.
 *
 * @example
 * ```ts
 * quotaOf(entry); // { bytes: 104857600, files: 10000 }
 * ```
 */
export function quotaOf(entry: LockEntry): QuotaLimits {
  return { ...(entry.quota ?? DEFAULT_QUOTA) };
}

/**
 * Sets the quota of installed plugin `name`'s data dir (`null` goes back to the default);
 * returns the quota in force. A running server picks it up on the plugin's next call.
 *
 * @example
 * ```ts
 * await setQuota("./plugins_store", "notes", { bytes: 500 * 1024 ** 2, files: 50_000 });
 * ```
 */
export function setQuota(
  pluginsDir: string,
  name: string,
  quota: QuotaLimits | null,
): Promise<QuotaLimits> {
  for (const [key, value] of Object.entries(quota ?? {})) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new LockfileError(`quota ${key} must be a whole number of at least 1, not ${value}`);
    }
  }
  return withPluginsLock(pluginsDir, async () => {
    let entry: LockEntry | undefined;
    await updateLockfile(pluginsDir, (lock) => {
      entry = lock.plugins[name];
      if (!entry) throw new LockfileError(`plugin ${name} is not installed`);
      if (quota && (quota.bytes !== DEFAULT_QUOTA.bytes || quota.files !== DEFAULT_QUOTA.files)) {
        entry.quota = { bytes: quota.bytes, files: quota.files };
      } else delete entry.quota;
    });
    return quotaOf(entry!);
  });
}

/** Checks `value` against setting `key`'s declaration; returns an error message or `null`. */
export function checkConfigValue(key: string, spec: ConfigSpec, value: unknown): string | null {
  const kind: string = typeof value;
  if (kind !== spec.type) return `setting ${key} must be a ${spec.type}`;
  if (typeof value === "number" && !Number.isFinite(value)) {
    return `setting ${key} must be a finite number`;
  }
  if (typeof value === "string" && value.length > MAX_CONFIG_STRING) {
    return `setting ${key} is longer than ${MAX_CONFIG_STRING} characters`;
  }
  if (spec.enum && !spec.enum.includes(value as string | number)) {
    return `setting ${key} must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return null;
}

/**
 * Converts text (a CLI argument or a form field) to setting `key`'s declared type and checks it
 * like a stored value ({@linkcode checkConfigValue}: type, enum, length); throws
 * {@linkcode LockfileError} naming the setting.
 *
 * @example
 * ```ts
 * parseConfigValue("units", { type: "number", ... }, "3"); // 3
 * ```
 */
export function parseConfigValue(key: string, spec: ConfigSpec, text: string): ConfigValue {
  const value = textToValue(key, spec, text);
  const problem = checkConfigValue(key, spec, value);
  if (problem) throw new LockfileError(problem);
  return value;
}

function textToValue(key: string, spec: ConfigSpec, text: string): ConfigValue {
  if (spec.type === "string") return text;
  if (spec.type === "boolean") {
    if (text === "true") return true;
    if (text === "false") return false;
    throw new LockfileError(`setting ${key} must be true or false`);
  }
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) {
    throw new LockfileError(`setting ${key} must be a number`);
  }
  return n;
}

/**
 * Converts `key=value` texts (`rungpt plugin config`, `rungpt plugin run --config`) to values
 * of `manifest`'s declared settings, each checked by {@linkcode parseConfigValue}; refuses an
 * undeclared key, naming the declared ones.
 *
 * @example
 * ```ts
 * parseConfigTexts(manifest, { units: "imperial" }); // { units: "imperial" }
 * ```
 */
export function parseConfigTexts(
  manifest: Manifest,
  texts: Readonly<Record<string, string>>,
): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, text] of Object.entries(texts)) {
    const spec = Object.hasOwn(manifest.config, key) ? manifest.config[key] : undefined;
    if (!spec) {
      const known = Object.keys(manifest.config).join(", ") || "none";
      throw new LockfileError(
        `plugin ${manifest.name} declares no setting "${key}" (declared: ${known})`,
      );
    }
    out[key] = parseConfigValue(key, spec, text);
  }
  return out;
}

/** The values the user set for `name` (no defaults); `{}` when none. */
export async function readUserConfig(
  pluginsDir: string,
  name: string,
): Promise<Record<string, ConfigValue>> {
  const path = configPath(pluginsDir, name);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  try {
    const raw = JSON.parse(text);
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new Error("not an object");
    }
    return raw as Record<string, ConfigValue>;
  } catch (e) {
    throw new LockfileError(`${path}: unreadable settings: ${(e as Error).message}`);
  }
}

/** The manifest of installed plugin `name`; fails when it is not installed. */
async function installedManifest(pluginsDir: string, name: string): Promise<Manifest> {
  if (!PLUGIN_NAME.test(name) || !(await readLockfile(pluginsDir)).plugins[name]) {
    throw new LockfileError(`plugin ${name} is not installed`);
  }
  return loadManifest(join(pluginsDir, name));
}

/**
 * Effective settings of installed plugin `name`: user values over manifest defaults; a key
 * with neither is absent. Values no longer valid for the manifest (after an update) fall back
 * to the default.
 *
 * @example
 * ```ts
 * const { api_key, units } = await getPluginConfig("./plugins_store", "weather");
 * ```
 */
export async function getPluginConfig(
  pluginsDir: string,
  name: string,
): Promise<Record<string, ConfigValue>> {
  const manifest = await installedManifest(pluginsDir, name);
  const user = await readUserConfig(pluginsDir, name);
  const out: Record<string, ConfigValue> = {};
  for (const [key, spec] of Object.entries(manifest.config)) {
    const value = Object.hasOwn(user, key) && checkConfigValue(key, spec, user[key]) === null
      ? user[key]
      : spec.default;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Sets (or with `null`, clears) settings of installed plugin `name`, validated against its
 * manifest's `config` declarations; writes atomically with mode 0600. Returns the effective
 * settings.
 *
 * @example
 * ```ts
 * await setPluginConfig("./plugins_store", "weather", { api_key: "k-123", units: null });
 * ```
 */
export function setPluginConfig(
  pluginsDir: string,
  name: string,
  values: Record<string, ConfigValue | null>,
): Promise<Record<string, ConfigValue>> {
  return withPluginsLock(pluginsDir, async () => {
    const manifest = await installedManifest(pluginsDir, name);
    const user = await readUserConfig(pluginsDir, name);
    for (const [key, value] of Object.entries(values)) {
      const spec = Object.hasOwn(manifest.config, key) ? manifest.config[key] : undefined;
      if (!spec) throw new LockfileError(`plugin ${name} declares no setting "${key}"`);
      if (value === null) {
        delete user[key];
        continue;
      }
      const problem = checkConfigValue(key, spec, value);
      if (problem) throw new LockfileError(problem);
      user[key] = value;
    }
    await Deno.mkdir(join(pluginsDir, ".config"), { recursive: true, mode: 0o700 });
    await writeFileAtomic(configPath(pluginsDir, name), JSON.stringify(user, null, 2), 0o600);
    return getPluginConfig(pluginsDir, name);
  });
}
