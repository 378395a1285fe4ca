/**
 * Each plugin's own data directory, `<dataDir>/plugins/<name>/` (its `rungpt:fs` files and
 * `rungpt:config` state), and who it belongs to. A name can be reused by a different plugin
 * after a removal, so the data dir records the source that created it, outside the plugin's
 * reach (`<dataDir>/plugins/.owners/<name>.json`), and a fresh install never inherits data
 * another source left behind.
 * @module
 */
import { join } from "node:path";
import { isStateFile } from "./host/fs.ts";
import { QuotaLedger, type QuotaLimits } from "./host/quota.ts";
import { PLUGIN_NAME } from "./manifest.ts";

/** Where the owner records live; a dot name no plugin can have. */
const OWNERS = ".owners";

/**
 * The data directory of plugin `name` inside the app's data dir.
 *
 * @example
 * ```ts
 * pluginDataDir("/home/me/.local/share/rungpt", "notes"); // ".../rungpt/plugins/notes"
 * ```
 */
export function pluginDataDir(dataDir: string, name: string): string {
  if (!PLUGIN_NAME.test(name)) throw new Error(`invalid plugin name "${name}"`);
  return join(pluginDataRoot(dataDir), name);
}

/**
 * The folder that holds every plugin's data dir, `<dataDir>/plugins`.
 *
 * @example
 * ```ts
 * pluginDataRoot("/home/me/.local/share/rungpt"); // ".../rungpt/plugins"
 * ```
 */
export function pluginDataRoot(dataDir: string): string {
  return join(dataDir, "plugins");
}

function ownerPath(dataDir: string, name: string): string {
  return join(pluginDataRoot(dataDir), OWNERS, `${name}.json`);
}

async function readOwner(dataDir: string, name: string): Promise<string | null> {
  try {
    const raw = JSON.parse(await Deno.readTextFile(ownerPath(dataDir, name)));
    return typeof raw?.source === "string" ? raw.source : null;
  } catch {
    return null; // missing or unreadable: the owner is unknown
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/**
 * Makes `source` the owner of plugin `name`'s data dir. With `fresh` (a new install, not an
 * update), data left by another source (or by one that is unknown) is deleted first; the same
 * source installed again keeps its data. Returns whether leftover data was deleted.
 *
 * @example
 * ```ts
 * await claimPluginData(dataDir, "notes", "https://github.com/alice/notes", { fresh: true });
 * ```
 */
export async function claimPluginData(
  dataDir: string,
  name: string,
  source: string,
  opts: { fresh: boolean },
): Promise<boolean> {
  const dir = pluginDataDir(dataDir, name);
  let cleared = false;
  if (opts.fresh && await exists(dir) && await readOwner(dataDir, name) !== source) {
    await Deno.remove(dir, { recursive: true });
    cleared = true;
  }
  await Deno.mkdir(join(pluginDataRoot(dataDir), OWNERS), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(ownerPath(dataDir, name), JSON.stringify({ source }) + "\n");
  return cleared;
}

/**
 * Deletes plugin `name`'s data dir and its owner record; absent ones are fine.
 *
 * @example
 * ```ts
 * await removePluginData(dataDir, "notes");
 * ```
 */
export async function removePluginData(dataDir: string, name: string): Promise<void> {
  const dir = pluginDataDir(dataDir, name);
  if (await exists(dir)) await Deno.remove(dir, { recursive: true });
  await Deno.remove(ownerPath(dataDir, name)).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/**
 * The quota account of plugin `name`'s data dir `dir`, starting from what is on disk. The
 * `rungpt:config` state file (and its temporary copies) is not counted: `limits.stateBytes`
 * bounds it.
 *
 * @example
 * ```ts
 * const quota = await openDataQuota("notes", pluginDataDir(dataDir, "notes"), DEFAULT_QUOTA);
 * ```
 */
export function openDataQuota(
  name: string,
  dir: string,
  limits: QuotaLimits,
): Promise<QuotaLedger> {
  return QuotaLedger.open(name, dir, limits, (rel) => !rel.includes("/") && isStateFile(rel));
}
