/**
 * The bytes a folder takes, measured while something (a clone) is still writing into it.
 * @module
 */
import { join } from "node:path";

/** How often {@linkcode watchDirSize} measures (ms). */
const WATCH_INTERVAL_MS = 100;

/**
 * The total size of the files under `dir` (symlinks count as themselves). Files and folders
 * that vanish while it counts (a writer renaming its temporary files) are skipped; a `dir`
 * that does not exist (yet) is 0 bytes.
 *
 * @example
 * ```ts
 * const bytes = await dirSize("/tmp/clone/.git");
 * ```
 */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) total += await dirSize(path);
      else total += await Deno.lstat(path).then((info) => info.size, () => 0);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return total;
}

/** A running {@linkcode watchDirSize}. */
export interface DirWatch {
  /** Stops measuring; resolves once no measurement is under way. */
  stop(): Promise<void>;
}

/**
 * Measures `dir` every tenth of a second while something writes into it, and calls `onOver`
 * (once) with the size when it is over `maxBytes`; the caller stops the writer. A writer can
 * get past the limit by what it writes in one interval; check the size once more when it is
 * done.
 *
 * @example
 * ```ts
 * const watch = watchDirSize(dir, 100 << 20, (bytes) => clone.abort(bytes));
 * try { await clone.done; } finally { await watch.stop(); }
 * ```
 */
export function watchDirSize(
  dir: string,
  maxBytes: number,
  onOver: (bytes: number) => void,
): DirWatch {
  let measuring: Promise<void> | undefined;
  let over = false;
  const timer = setInterval(() => {
    if (measuring || over) return;
    measuring = dirSize(dir).then((bytes) => {
      if (bytes > maxBytes && !over) {
        over = true;
        onOver(bytes);
      }
    }, () => {/* unreadable now; the final check after the writer is done reports it */})
      .finally(() => measuring = undefined);
  }, WATCH_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await measuring;
    },
  };
}
