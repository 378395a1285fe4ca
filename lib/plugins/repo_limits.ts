/**
 * How large a plugin repository may be: the bytes its download and its files may take, and how
 * many files it may have. An install checks them before it writes a plugin's files (the listing
 * of the commit says both) and while it downloads (the clone's size on disk), so a hostile
 * repository cannot fill the disk or the plugins dir. `RUNGPT_PLUGIN_MAX_BYTES` and
 * `RUNGPT_PLUGIN_MAX_FILES` change the defaults.
 * @module
 */
import { GitError } from "./git.ts";

/** The bounds of one plugin repository. */
export interface RepoLimits {
  /** Most bytes of the download, and of the files of the commit installed. */
  maxBytes: number;
  /** Most files (and symlinks and submodule entries) in the commit installed. */
  maxFiles: number;
}

/**
 * The defaults: a plugin is a manifest, a module (at most 64 MiB) and a few sources, so 100 MiB
 * and 5000 files leave ample room.
 */
export const DEFAULT_REPO_LIMITS: Readonly<RepoLimits> = Object.freeze({
  maxBytes: 100 * 1024 * 1024,
  maxFiles: 5000,
});

/** The environment variable that sets each limit. */
export const LIMIT_VARIABLES: Readonly<Record<keyof RepoLimits, string>> = Object.freeze({
  maxBytes: "RUNGPT_PLUGIN_MAX_BYTES",
  maxFiles: "RUNGPT_PLUGIN_MAX_FILES",
});

/** A repository over one of its {@linkcode RepoLimits}; the message says which and by how much. */
export class RepoLimitError extends GitError {
  override name = "RepoLimitError";
}

/**
 * The limits from the environment (`RUNGPT_PLUGIN_MAX_BYTES`, `RUNGPT_PLUGIN_MAX_FILES`, each a
 * positive integer; unset means the default). Anything else is refused with a
 * {@linkcode GitError} saying so, or, with `onInvalid` (the server, which must start anyway),
 * reported there and the default used.
 *
 * @example
 * ```ts
 * repoLimitsFrom({ RUNGPT_PLUGIN_MAX_FILES: "20000" }); // { maxBytes: 104857600, maxFiles: 20000 }
 * ```
 */
export function repoLimitsFrom(
  env: Record<string, string | undefined>,
  onInvalid?: (message: string) => void,
): RepoLimits {
  const limit = (key: keyof RepoLimits): number => {
    const variable = LIMIT_VARIABLES[key];
    const raw = env[variable]?.trim();
    if (!raw) return DEFAULT_REPO_LIMITS[key];
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value > 0) return value;
    const message = `${variable} must be a positive whole number, not "${raw}"`;
    if (!onInvalid) throw new GitError(message);
    onInvalid(`${message}; using ${DEFAULT_REPO_LIMITS[key]}`);
    return DEFAULT_REPO_LIMITS[key];
  };
  return { maxBytes: limit("maxBytes"), maxFiles: limit("maxFiles") };
}

/**
 * The error for a download of `url` that reached `bytes` on disk, over `maxBytes`.
 *
 * @example
 * ```ts
 * throw downloadTooLarge("https://github.com/acme/x", 2_000_000, 1_000_000);
 * ```
 */
export function downloadTooLarge(url: string, bytes: number, maxBytes: number): RepoLimitError {
  return new RepoLimitError(
    `the download of ${url} reached ${formatBytes(bytes)}, over the limit of ` +
      `${formatBytes(maxBytes)}, and was stopped; ${raiseHint("maxBytes")}`,
  );
}

/** The error for a commit whose files total `bytes`, over `maxBytes`. */
export function filesTooLarge(what: string, bytes: number, maxBytes: number): RepoLimitError {
  return new RepoLimitError(
    `${what}: its files total ${formatBytes(bytes)}, over the limit of ${formatBytes(maxBytes)}; ` +
      `nothing was written; ${raiseHint("maxBytes")}`,
  );
}

/** The error for a commit with more than `maxFiles` files (`counted` when listing stopped). */
export function tooManyFiles(what: string, counted: number, maxFiles: number): RepoLimitError {
  return new RepoLimitError(
    `${what}: it has more than ${maxFiles} files (the limit; listing stopped at ${counted}); ` +
      `nothing was written; ${raiseHint("maxFiles")}`,
  );
}

/** How to raise a limit, for the end of its error. */
function raiseHint(key: keyof RepoLimits): string {
  return `if you trust this plugin, raise the limit with ${LIMIT_VARIABLES[key]}`;
}

/** "512 bytes", "1.5 MiB (1572864 bytes)". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value * 10) / 10} ${units[unit]} (${bytes} bytes)`;
}
