/**
 * Refuses a plugins dir and a data dir that overlap. Plugins are installed into the plugins
 * dir, and each plugin's own files (`rungpt:fs`, `rungpt:config`) live in
 * `<data dir>/plugins/<name>/`: with one inside the other, a plugin could rewrite its own
 * install (its `rungpt.yaml`, its module), and installing or removing one could touch the
 * app's database and settings.
 * @module
 */
import { UserError } from "../errors.ts";
import { basename, dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { pluginDataRoot } from "./data_dir.ts";

/** The plugins dir and the data dir overlap; the message names the setting to change. */
export class DirOverlapError extends UserError {
  override name = "DirOverlapError";
}

/** The two folders to keep apart, as configured (relative paths are taken from the cwd). */
export interface RungptDirs {
  /** `RUNGPT_DATA_DIR` or the platform default. */
  dataDir: string;
  /** `RUNGPT_PLUGINS_DIR` or `plugins_store/` beside main.ts. */
  pluginsDir: string;
}

/**
 * Throws a {@linkcode DirOverlapError} when the plugins dir and the data dir overlap: the same
 * folder, the data dir inside the plugins dir, or the plugins dir at or inside
 * `<data dir>/plugins`. Symbolic links are resolved where the folders exist; folders not made
 * yet are compared by their normalized absolute paths (under their nearest real parent).
 *
 * @example
 * ```ts
 * await assertDirsApart({ dataDir: "/srv/rungpt", pluginsDir: "/srv/rungpt/plugins/x" });
 * // throws DirOverlapError: The plugins dir /srv/rungpt/plugins/x (RUNGPT_PLUGINS_DIR) is inside …
 * ```
 */
export async function assertDirsApart(dirs: RungptDirs): Promise<void> {
  const problem = await dirsOverlap(dirs);
  if (problem) throw new DirOverlapError(problem);
}

/** What is wrong with `dirs`, as a message that says what to change; `null` when apart. */
export async function dirsOverlap(dirs: RungptDirs): Promise<string | null> {
  const data = await located(dirs.dataDir);
  const plugins = await located(dirs.pluginsDir);
  const pluginData = await located(pluginDataRoot(dirs.dataDir));
  if (samePath(data.real, plugins.real)) {
    return `RUNGPT_PLUGINS_DIR and RUNGPT_DATA_DIR are the same folder, ${plugins.shown}: ` +
      `plugins would be installed among rungpt's own files. Set RUNGPT_PLUGINS_DIR to a ` +
      `folder outside the data dir.`;
  }
  if (isInside(data.real, plugins.real)) {
    return `The data dir ${data.shown} (RUNGPT_DATA_DIR) is inside the plugins dir ` +
      `${plugins.shown} (RUNGPT_PLUGINS_DIR): installing or removing a plugin could touch ` +
      `rungpt's database and settings. Set RUNGPT_DATA_DIR to a folder outside the plugins ` +
      `dir, or RUNGPT_PLUGINS_DIR to one outside the data dir.`;
  }
  if (samePath(plugins.real, pluginData.real) || isInside(plugins.real, pluginData.real)) {
    return `The plugins dir ${plugins.shown} (RUNGPT_PLUGINS_DIR) is inside ` +
      `${pluginData.shown}, where each plugin keeps its own files: a plugin could rewrite ` +
      `its own install. Set RUNGPT_PLUGINS_DIR to a folder outside ${pluginData.shown} ` +
      `(by default it is plugins_store/ beside main.ts), or RUNGPT_DATA_DIR elsewhere.`;
  }
  return null;
}

/** A folder as given (absolute) and as it really is (symbolic links resolved). */
interface Located {
  shown: string;
  real: string;
}

async function located(path: string): Promise<Located> {
  const absolute = resolve(path);
  const real = await realPathOf(absolute);
  return { real, shown: real === absolute ? absolute : `${absolute} (really ${real})` };
}

/**
 * The real path of `path`: that of its nearest existing parent with the rest appended, since a
 * folder rungpt has not made yet may lie under a symbolic link.
 */
async function realPathOf(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (e) {
    const parent = dirname(path);
    if (!(e instanceof Deno.errors.NotFound) || parent === path) return path;
    return resolve(await realPathOf(parent), basename(path));
  }
}

/** File names differ only in case on Windows and (by default) on macOS. */
function comparable(path: string): string {
  return Deno.build.os === "windows" || Deno.build.os === "darwin" ? path.toLowerCase() : path;
}

function samePath(a: string, b: string): boolean {
  return comparable(a) === comparable(b);
}

/** Whether `child` lies strictly inside `parent`. */
function isInside(child: string, parent: string): boolean {
  const rel = relative(comparable(parent), comparable(child));
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
