/**
 * Temporary work dirs in the plugins dir (`.install-*` holds a clone, `.remove-*` a removed
 * plugin on its way out), and sweeping the ones a killed process left behind.
 *
 * Each work dir holds an `.owner` file that its process keeps locked (an exclusive OS file
 * lock) for as long as the dir is in use; the file is locked before it takes that name. The
 * OS releases the lock when the process dies, so a sweeper that can take the lock knows the
 * owner is gone; a live install in another process (or in this one) keeps its lock, and its
 * dir is never touched.
 * @module
 */
import { join } from "node:path";

/** Prefixes of work dirs. */
export type WorkDirPrefix = ".install-" | ".remove-";

const PREFIXES: readonly WorkDirPrefix[] = [".install-", ".remove-"];
const OWNER = ".owner";
/** The owner file while it is made: it is locked first, then renamed to {@linkcode OWNER}. */
const OWNER_NEW = ".owner-new";
/** A work dir without an owner file (made by an older rungpt) counts as stale after this. */
const UNOWNED_STALE_MS = 60 * 60_000;

/** A work dir this process holds; `release()` deletes it. */
export interface WorkDir {
  path: string;
  /** Deletes the dir, then lets go of its lock. Idempotent. */
  release(): Promise<void>;
}

/**
 * Creates a work dir in `pluginsDir` (which must exist), locked by this process.
 *
 * @example
 * ```ts
 * const work = await createWorkDir(pluginsDir, ".install-");
 * try { ... } finally { await work.release(); }
 * ```
 */
export async function createWorkDir(
  pluginsDir: string,
  prefix: WorkDirPrefix,
): Promise<WorkDir> {
  const path = await Deno.makeTempDir({ dir: pluginsDir, prefix });
  const owner = await lockedOwner(path).catch(async (e) => {
    await Deno.remove(path, { recursive: true }).catch(() => {});
    throw e;
  });
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      // Delete first: a sweeper that takes the lock after this finds nothing left to delete.
      await Deno.remove(path, { recursive: true }).catch(() => {});
      owner.close();
    },
  };
}

/**
 * Creates the `.owner` file of the work dir at `path`, already locked: a sweeper that can lock
 * an `.owner` takes its process for gone, so it must never find one not locked yet (a dir
 * without one is young, and left alone).
 */
async function lockedOwner(path: string): Promise<Deno.FsFile> {
  const file = await Deno.open(join(path, OWNER_NEW), { create: true, write: true });
  try {
    await file.lock(true);
    await Deno.rename(join(path, OWNER_NEW), join(path, OWNER));
    return file;
  } catch (e) {
    file.close();
    throw e;
  }
}

/**
 * Deletes the work dirs in `pluginsDir` whose owning process is gone; returns their names.
 * A missing plugins dir has none.
 *
 * @example
 * ```ts
 * await sweepWorkDirs("./plugins_store"); // [".install-k2j4"]
 * ```
 */
export async function sweepWorkDirs(pluginsDir: string): Promise<string[]> {
  const swept: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(pluginsDir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return swept;
    throw e;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !PREFIXES.some((p) => entry.name.startsWith(p))) continue;
    const path = join(pluginsDir, entry.name);
    if (await isAbandoned(path)) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
      swept.push(entry.name);
    }
  }
  return swept;
}

/** Whether nobody holds the work dir at `path`. */
async function isAbandoned(path: string): Promise<boolean> {
  let owner: Deno.FsFile;
  try {
    owner = await Deno.open(join(path, OWNER), { read: true, write: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return false;
    // No owner file: just created (its owner is about to lock it), or left by an older rungpt.
    const info = await Deno.stat(path).catch(() => null);
    return info !== null && Date.now() - (info.mtime?.getTime() ?? Date.now()) > UNOWNED_STALE_MS;
  }
  try {
    return await owner.tryLock(true);
  } finally {
    owner.close(); // releases the lock taken, if any
  }
}
