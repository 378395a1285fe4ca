/**
 * Where rungpt keeps its files: the per-user data directory (database, settings, API token)
 * and the plugins directory.
 * @module
 */
import { UserError } from "../errors.ts";
import { posix, resolve, win32 } from "node:path";

/** Environment variables as a plain record; tests pass their own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Operating systems {@linkcode defaultDataDir} distinguishes (as in `Deno.build.os`). */
export type OS = typeof Deno.build.os;

/** No data directory can be worked out: the message names the variables to set. */
export class DataDirError extends UserError {
  override name = "DataDirError";
}

/** Name of the rungpt folder inside the platform's data directory. */
const APP_DIR = "rungpt";

/**
 * The per-user data directory.
 *
 * `RUNGPT_DATA_DIR` if set; otherwise Linux (and other Unixes) `$XDG_DATA_HOME/rungpt` or
 * `~/.local/share/rungpt`, macOS `~/Library/Application Support/rungpt`, Windows
 * `%APPDATA%\rungpt`. Returns an absolute path.
 *
 * @throws {DataDirError} when neither the override nor the home directory variables are set.
 *
 * @example
 * ```ts
 * defaultDataDir({ HOME: "/home/ada" }, "linux"); // => "/home/ada/.local/share/rungpt"
 * defaultDataDir({ RUNGPT_DATA_DIR: "/srv/rungpt" }); // => "/srv/rungpt"
 * ```
 */
export function defaultDataDir(env: Env = Deno.env.toObject(), os: OS = Deno.build.os): string {
  const override = nonEmpty(env.RUNGPT_DATA_DIR);
  if (override) return resolve(override);

  if (os === "windows") {
    const appData = nonEmpty(env.APPDATA);
    if (appData) return win32.join(appData, APP_DIR);
    const profile = nonEmpty(env.USERPROFILE);
    if (profile) return win32.join(profile, "AppData", "Roaming", APP_DIR);
    throw new DataDirError("cannot find the data directory: set APPDATA or RUNGPT_DATA_DIR");
  }

  const home = nonEmpty(env.HOME);
  if (os === "darwin") {
    if (!home) {
      throw new DataDirError("cannot find the data directory: set HOME or RUNGPT_DATA_DIR");
    }
    return posix.join(home, "Library", "Application Support", APP_DIR);
  }
  // The XDG spec says relative paths in XDG_* are invalid and must be ignored.
  const xdg = nonEmpty(env.XDG_DATA_HOME);
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, APP_DIR);
  if (!home) {
    throw new DataDirError(
      "cannot find the data directory: set HOME, XDG_DATA_HOME or RUNGPT_DATA_DIR",
    );
  }
  return posix.join(home, ".local", "share", APP_DIR);
}

/**
 * The directory installed plugins live in: `RUNGPT_PLUGINS_DIR`, else `plugins_store`
 * relative to `cwd`. Returns an absolute path.
 *
 * @example
 * ```ts
 * defaultPluginsDir({}, "/work/app"); // => "/work/app/plugins_store"
 * ```
 */
export function defaultPluginsDir(
  env: Env = Deno.env.toObject(),
  cwd: string = Deno.cwd(),
): string {
  return resolve(cwd, nonEmpty(env.RUNGPT_PLUGINS_DIR) ?? "plugins_store");
}

/**
 * Creates `path` (and its parents) if missing. A directory this call creates gets `mode`
 * (default 0700: only the user may read the data directory); an existing one is left as
 * it is, since it may be shared on purpose. Permissions are not applied on Windows.
 *
 * @throws {Error} if `path` exists and is not a directory.
 *
 * @example
 * ```ts
 * await ensureDir(defaultDataDir());
 * ```
 */
export async function ensureDir(path: string, mode = 0o700): Promise<void> {
  try {
    const info = await Deno.stat(path);
    if (!info.isDirectory) throw new Error(`${path} exists but is not a directory`);
    return;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(path, { recursive: true, mode });
  // mkdir's mode is narrowed by the umask; set it exactly.
  if (Deno.build.os !== "windows") await Deno.chmod(path, mode);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}
