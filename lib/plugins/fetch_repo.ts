/**
 * The git half of an install, bounded: the clone (time, and bytes on disk while it downloads),
 * then the manifest and the module read straight from git's objects, so the user is asked
 * before any of the plugin's files is written. The checkout follows consent
 * (`checkoutCommit`), and writes what the listing, already checked against the limits, says.
 * @module
 */
import { cloneRepo, GitError, type GitStepOptions } from "./git.ts";
import { join } from "node:path";
import { snapshotFolder } from "./snapshot.ts";
import type { PluginSource } from "./source.ts";
import { dirSize, watchDirSize } from "./dir_size.ts";
import { readBlob, resolveInTree, type Tree, type TreeEntry } from "./git_tree.ts";
import { downloadTooLarge, type RepoLimits } from "./repo_limits.ts";
import {
  type Manifest,
  MANIFEST_FILE,
  ManifestError,
  MAX_MANIFEST_BYTES,
  parseManifest,
} from "./manifest.ts";

/** The first bytes of a Git LFS pointer file. */
const LFS_POINTER = "version https://git-lfs.github.com/spec/";

/**
 * Clones `url` into `dir` (no checkout) within `opts.budget`, stopping git as soon as the clone
 * takes more than `limits.maxBytes` on disk.
 *
 * @example
 * ```ts
 * await cloneWithin(url, dir, DEFAULT_REPO_LIMITS, { budget: new TimeBudget(60_000), signal });
 * ```
 */
export async function cloneWithin(
  url: string,
  dir: string,
  limits: RepoLimits,
  opts: GitStepOptions,
): Promise<void> {
  const over = new AbortController();
  const watch = watchDirSize(
    dir,
    limits.maxBytes,
    (bytes) => over.abort(downloadTooLarge(url, bytes, limits.maxBytes)),
  );
  const signal = opts.signal ? AbortSignal.any([opts.signal, over.signal]) : over.signal;
  try {
    await cloneRepo(url, dir, { ...opts, signal });
  } finally {
    await watch.stop();
  }
  // What git wrote after the last measurement.
  const bytes = await dirSize(dir);
  if (bytes > limits.maxBytes) throw downloadTooLarge(url, bytes, limits.maxBytes);
}

/**
 * Fetches `source` into the new clone `dir` within `limits`: a GitHub repository or a local git
 * repository is cloned from `url`, a plain local folder is snapshotted (see `snapshot.ts`).
 */
export async function fetchSource(
  source: PluginSource,
  url: string,
  dir: string,
  limits: RepoLimits,
  opts: GitStepOptions,
): Promise<void> {
  if (source.kind === "github") return await cloneWithin(url, dir, limits, opts);
  const info = await Deno.stat(source.path).catch(() => undefined);
  if (!info?.isDirectory) throw new GitError(`no folder at ${source.path}`);
  const isRepo = await Deno.lstat(join(source.path, ".git")).then(() => true, () => false);
  if (isRepo) return await cloneWithin(url, dir, limits, opts);
  if (source.ref !== undefined) {
    throw new GitError(
      `${source.path} is a folder, not a git repository, so it has no ref "${source.ref}": ` +
        `install it without @${source.ref}`,
    );
  }
  await snapshotFolder(source.path, dir, limits, opts);
}

/**
 * The manifest of the commit listed in `tree`, read from the clone at `dir`: `rungpt.yaml` at the
 * root (symlinks followed inside the commit), at most {@linkcode MAX_MANIFEST_BYTES}.
 */
export async function readManifestAt(
  dir: string,
  tree: Tree,
  opts: GitStepOptions,
): Promise<Manifest> {
  const found = await resolveInTree(tree, MANIFEST_FILE, link(dir, opts));
  if (found.found === "missing") {
    throw new ManifestError(`${MANIFEST_FILE}: not found at the root of the plugin repository`);
  }
  if (found.found !== "file") {
    throw new ManifestError(`${MANIFEST_FILE}: must be a regular file inside the repository`);
  }
  if (found.entry.size > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`${MANIFEST_FILE}: larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const bytes = await readBlob(dir, found.entry.object, found.entry.size, opts);
  return parseManifest(new TextDecoder().decode(bytes));
}

/**
 * The module `manifest.wasm` names in the commit listed in `tree`: it must resolve (symlinks
 * followed) to a regular file inside the commit, of at most `maxBytes`.
 */
export async function readModuleAt(
  dir: string,
  tree: Tree,
  manifest: Manifest,
  maxBytes: number,
  opts: GitStepOptions,
): Promise<Uint8Array> {
  const rel = manifest.wasm;
  const found = await resolveInTree(tree, rel, link(dir, opts));
  const problem = (why: string) => new ManifestError(`${MANIFEST_FILE}: wasm: "${rel}" ${why}`);
  switch (found.found) {
    case "missing":
      throw problem("does not exist");
    case "outside":
      throw problem("resolves outside the plugin directory");
    case "not-a-file":
      throw problem("is not a regular file");
    case "loop":
      throw problem("goes through too many symlinks, or too long a one");
  }
  if (found.entry.size > maxBytes) throw new ManifestError(`${rel}: larger than ${maxBytes} bytes`);
  const bytes = await readBlob(dir, found.entry.object, found.entry.size, opts);
  if (new TextDecoder().decode(bytes.subarray(0, LFS_POINTER.length)) === LFS_POINTER) {
    throw problem(
      "is a Git LFS pointer, not the module: install does not fetch LFS files; commit the " +
        "module itself",
    );
  }
  return bytes;
}

/** Reads a symlink's target from its blob. */
function link(dir: string, opts: GitStepOptions): (entry: TreeEntry) => Promise<Uint8Array> {
  return (entry) => readBlob(dir, entry.object, entry.size, opts);
}
