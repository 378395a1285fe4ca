/**
 * Reading a commit's files from git's objects, without checking anything out: the listing
 * (`git ls-tree -r -l`, streamed and stopped at the file limit), paths resolved through the
 * commit's own symlinks, and blobs (`git cat-file`). This is how an install learns what it would
 * write, and reads what consent needs, before it writes a single file.
 * @module
 */
import { concatBytes } from "../http/bytes.ts";
import { GitError, runGit, type TimeBudget } from "./git.ts";
import { filesTooLarge, RepoLimitError, type RepoLimits, tooManyFiles } from "./repo_limits.ts";

/** One entry of a commit's listing. */
export interface TreeEntry {
  /** git's mode: `100644`/`100755` a file, `120000` a symlink, `160000` a submodule. */
  mode: string;
  /** The object id of the blob (or the submodule's commit). */
  object: string;
  /** Bytes of the blob (a symlink's blob is its target); 0 for a submodule. */
  size: number;
}

/** A commit's files, as its listing says. */
export interface Tree {
  /** Every file, symlink and submodule, by path (`/`-separated, relative to the root). */
  entries: Map<string, TreeEntry>;
  /** The paths of `entries`, sorted, to find folders by (see {@linkcode isDir}). */
  paths: string[];
  /** Total bytes of the blobs, what a checkout writes. */
  bytes: number;
}

/** Options of the git calls here. */
export interface TreeGitOptions {
  /** The time limit shared with the clone. */
  budget?: TimeBudget;
  /** Stops git (cancel). */
  signal?: AbortSignal;
}

/** The mode of a symlink entry. */
export const SYMLINK_MODE = "120000";
/** The modes of regular file entries. */
const FILE_MODES = new Set(["100644", "100755"]);
/** Symlinks followed in one path before it counts as a loop (as the OS does). */
const MAX_SYMLINK_HOPS = 40;
/** Longest symlink target read, and longest path listed (Linux's PATH_MAX; git could not check a longer one out). */
const MAX_PATH_BYTES = 4096;
const NUL = 0;

/**
 * Lists `commit` in the clone at `dir`, checking it against `limits`: git is stopped as soon as
 * the listing passes `maxFiles`, and the blobs' total must be within `maxBytes`. `what` names
 * the repository and ref in the errors.
 *
 * @example
 * ```ts
 * const tree = await listTree(dir, commit, DEFAULT_REPO_LIMITS, "acme/x@v1.0.0");
 * tree.entries.get("rungpt.yaml")?.size;
 * ```
 */
export async function listTree(
  dir: string,
  commit: string,
  limits: RepoLimits,
  what: string,
  opts: TreeGitOptions = {},
): Promise<Tree> {
  const tree: Tree = { entries: new Map(), paths: [], bytes: 0 };
  const records = new NulSplitter(MAX_PATH_BYTES + 128, () => pathTooLong(what));
  const add = (record: string) => {
    if (tree.entries.size >= limits.maxFiles) {
      throw tooManyFiles(what, tree.entries.size + 1, limits.maxFiles);
    }
    const [path, entry] = parseRecord(record);
    if (new TextEncoder().encode(path).length > MAX_PATH_BYTES) throw pathTooLong(what);
    tree.entries.set(path, entry);
    tree.bytes += entry.size;
  };
  await runGit(["ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options", commit], {
    cwd: dir,
    ...opts,
    onStdout: (chunk) => records.push(chunk).forEach(add),
  });
  if (tree.bytes > limits.maxBytes) throw filesTooLarge(what, tree.bytes, limits.maxBytes);
  tree.paths = [...tree.entries.keys()].sort();
  return tree;
}

/** The error for a commit with a path no checkout could write. */
function pathTooLong(what: string): RepoLimitError {
  return new RepoLimitError(
    `${what}: a path is longer than ${MAX_PATH_BYTES} bytes, more than a checkout can write; ` +
      `nothing was written`,
  );
}

/** Whether `path` is a folder of the commit: some entry lies below it (binary search). */
export function isDir(tree: Tree, path: string): boolean {
  const prefix = `${path}/`;
  let lo = 0, hi = tree.paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tree.paths[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  return tree.paths[lo]?.startsWith(prefix) ?? false;
}

/** `<mode> <type> <object> <size>\t<path>` -> path and entry. */
function parseRecord(record: string): [string, TreeEntry] {
  const m = /^(\d{6}) (blob|commit|tree) ([0-9a-f]{40,64}) +(\d+|-)\t(.+)$/s.exec(record);
  if (!m) throw new GitError(`git ls-tree: unexpected line "${record.slice(0, 200)}"`);
  return [m[5], { mode: m[1], object: m[3], size: m[4] === "-" ? 0 : Number(m[4]) }];
}

/** Splits a byte stream into NUL-terminated UTF-8 records of at most `maxBytes`. */
class NulSplitter {
  #pending: Uint8Array = new Uint8Array(0);
  #decoder = new TextDecoder();
  #maxBytes: number;
  #tooLong: () => Error;

  constructor(maxBytes: number, tooLong: () => Error) {
    this.#maxBytes = maxBytes;
    this.#tooLong = tooLong;
  }

  /** The records completed by `chunk`. */
  push(chunk: Uint8Array): string[] {
    const bytes = concatBytes([this.#pending, chunk]);
    const out: string[] = [];
    let start = 0;
    for (let i = bytes.indexOf(NUL); i !== -1; i = bytes.indexOf(NUL, start)) {
      out.push(this.#decoder.decode(bytes.subarray(start, i)));
      start = i + 1;
    }
    this.#pending = bytes.slice(start);
    if (this.#pending.length > this.#maxBytes) throw this.#tooLong();
    return out;
  }
}

/** Where a path of a commit leads. */
export type Resolved =
  | { found: "file"; path: string; entry: TreeEntry }
  | { found: "missing" | "outside" | "not-a-file" | "loop" };

/**
 * Follows `rel` through the commit's folders and symlinks, as the OS would in a checkout: a
 * symlink's target is read from its blob, one that leaves the root (absolute, or `..` past
 * it) is `outside`.
 *
 * @example
 * ```ts
 * const r = await resolveInTree(tree, "plugin.wasm", (e) => readBlob(dir, e.object, e.size));
 * if (r.found === "file") r.entry.size;
 * ```
 */
export async function resolveInTree(
  tree: Tree,
  rel: string,
  readLink: (entry: TreeEntry) => Promise<Uint8Array>,
): Promise<Resolved> {
  if (rel.length > MAX_PATH_BYTES) return { found: "missing" };
  let parts = rel.split("/");
  let hops = 0;
  for (let i = 0; i < parts.length;) {
    const normal = normalize(parts.slice(0, i + 1));
    if (normal === undefined) return { found: "outside" };
    parts = [...normal, ...parts.slice(i + 1)];
    i = normal.length;
    if (i === 0) continue; // "." or "a/.." at the root
    const path = normal.join("/");
    const entry = tree.entries.get(path);
    const last = i === parts.length;
    if (entry?.mode === SYMLINK_MODE) {
      if (++hops > MAX_SYMLINK_HOPS || entry.size > MAX_PATH_BYTES) return { found: "loop" };
      const target = new TextDecoder().decode(await readLink(entry));
      if (target.startsWith("/")) return { found: "outside" };
      parts = [...normal.slice(0, -1), ...target.split("/"), ...parts.slice(i)];
      i = 0;
    } else if (last) {
      if (entry && FILE_MODES.has(entry.mode)) return { found: "file", path, entry };
      return { found: entry || isDir(tree, path) ? "not-a-file" : "missing" };
    } else if (!isDir(tree, path)) {
      return { found: entry ? "not-a-file" : "missing" };
    }
  }
  return { found: "not-a-file" }; // the root itself
}

/** Resolves `.` and `..` in path components; `undefined` when `..` leaves the root. */
function normalize(parts: string[]): string[] | undefined {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.pop() === undefined) return undefined;
  }
  return out;
}

/**
 * The bytes of blob `object` (of known `size`) in the clone at `dir`.
 *
 * @example
 * ```ts
 * const wasm = await readBlob(dir, entry.object, entry.size);
 * ```
 */
export async function readBlob(
  dir: string,
  object: string,
  size: number,
  opts: TreeGitOptions = {},
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  await runGit(["cat-file", "blob", "--end-of-options", object], {
    cwd: dir,
    ...opts,
    onStdout: (chunk) => {
      if (at + chunk.length > size) {
        throw new GitError(`git cat-file: blob ${object} is larger than its listing says`);
      }
      out.set(chunk, at);
      at += chunk.length;
    },
  });
  if (at !== size) {
    throw new GitError(`git cat-file: blob ${object} is smaller than its listing says`);
  }
  return out;
}
