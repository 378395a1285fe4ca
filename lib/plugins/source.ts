/**
 * Where a plugin comes from: a GitHub repository (`user/repo`, `github.com/user/repo` or
 * `https://github.com/user/repo`, each with an optional `@ref`), or a folder on this machine
 * (`./examples/plugins/weather`, `/abs/path`, `file:///abs/path`), which is a git repository or a
 * plain directory. Each is parsed and validated here, before any git runs.
 *
 * @example
 * ```ts
 * parseSource("https://github.com/acme/weather@v1.0.0");
 * // { kind: "github", user: "acme", repo: "weather", ref: "v1.0.0" }
 * parseSource("./examples/plugins/weather", { cwd: "/home/me/rungpt" });
 * // { kind: "local", path: "/home/me/rungpt/examples/plugins/weather" }
 * ```
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cloneUrl, GitError, parsePluginSpec, validateRef } from "./git.ts";

/** A parsed plugin source. */
export type PluginSource =
  | { kind: "github"; user: string; repo: string; ref?: string }
  | { kind: "local"; path: string; ref?: string };

/** Options of {@linkcode parseSource}. */
export interface ParseSourceOptions {
  /** What a relative local path is relative to; without it, only absolute paths are taken. */
  cwd?: string;
}

/** `github.com/user/repo`, with an optional scheme, `www.`, `.git` and trailing slash. */
const GITHUB_URL = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i;

/** Whether `input` names a local folder rather than a GitHub repository. */
function isLocal(input: string): boolean {
  return input === "." || input === ".." || /^(\.{1,2}\/|\/|file:\/\/)/.test(input);
}

/**
 * Parses what a user typed as a plugin source; throws {@linkcode GitError} naming the problem.
 */
export function parseSource(input: string, opts: ParseSourceOptions = {}): PluginSource {
  const text = input.trim();
  if (isLocal(text)) return parseLocal(text, opts.cwd);
  const at = text.indexOf("@");
  const path = at === -1 ? text : text.slice(0, at);
  const ref = at === -1 ? "" : text.slice(at);
  const url = GITHUB_URL.exec(path);
  if (!url && /^[a-z][a-z0-9+.-]*:\/\/|^[^/]*\.[a-z]+\//i.test(path)) {
    throw new GitError(
      `invalid plugin "${text}": only GitHub URLs (https://github.com/user/repo), user/repo, ` +
        `and local folders (./path or /path) are taken`,
    );
  }
  return { kind: "github", ...parsePluginSpec(url ? `${url[1]}/${url[2]}${ref}` : text) };
}

/** A local path with an optional `@ref` after its last `/` (refs with `/` need a GitHub source). */
function parseLocal(text: string, cwd: string | undefined): PluginSource {
  const slash = text.lastIndexOf("/");
  const at = text.indexOf("@", slash + 1);
  let path = at === -1 ? text : text.slice(0, at);
  const ref = at === -1 ? undefined : validateRef(text.slice(at + 1));
  if (path.startsWith("file://")) {
    try {
      path = fileURLToPath(path);
    } catch (e) {
      throw new GitError(`invalid plugin "${text}": ${(e as Error).message}`);
    }
  }
  if (!isAbsolute(path) && cwd === undefined) {
    throw new GitError(`invalid plugin "${text}": give the folder's absolute path here`);
  }
  return { kind: "local", path: resolve(cwd ?? "/", path), ...(ref ? { ref } : {}) };
}

/**
 * The source as the lockfile records it (`source`): `user/repo`, or the folder's absolute path.
 */
export function sourceLabel(source: PluginSource): string {
  return source.kind === "github" ? `${source.user}/${source.repo}` : source.path;
}

/** The source a lockfile's `source` names, to follow `ref` (an update). */
export function recordedSource(label: string, ref?: string): PluginSource {
  if (label.startsWith("/")) return { kind: "local", path: label, ...(ref ? { ref } : {}) };
  return { kind: "github", ...parsePluginSpec(ref === undefined ? label : `${label}@${ref}`) };
}

/** Where `source` is fetched from: the clone URL under `base`, or the folder's `file://` URL. */
export function sourceUrl(source: PluginSource, base: string): string {
  return source.kind === "github" ? cloneUrl(source, base) : pathToFileURL(source.path).href;
}
