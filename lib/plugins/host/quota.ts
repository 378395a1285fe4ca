/**
 * A plugin's quota on its data dir: total bytes of its files, and how many files and folders
 * it holds. One {@linkcode QuotaLedger} per plugin, on the main thread, keeps the account for
 * every API that writes there (`rungpt:fs` now, WASI later): all of a plugin's instances and
 * plugin-to-plugin calls share it.
 *
 * A change to the files takes a reservation for the most it can grow before it writes
 * ({@linkcode QuotaLedger.reserve}: checked and taken in one synchronous step, so two
 * concurrent writes cannot both pass the check), then settles it with the change it really
 * made, which may be negative (an overwrite with less, a delete). Work that measures the files
 * before and after a change runs it in {@linkcode QuotaLedger.exclusive}, so no other change
 * of the same plugin lands in between and the measured difference is its own.
 *
 * @example
 * ```ts
 * const ledger = await QuotaLedger.open("notes", dir, DEFAULT_QUOTA);
 * await ledger.exclusive(async () => {
 *   const r = ledger.reserve({ bytes: 5, files: 1 }, "writing notes/a.txt");
 *   await Deno.writeTextFile(join(dir, "notes/a.txt"), "hello");
 *   r.settle({ bytes: 5, files: 1 });
 * });
 * ```
 * @module
 */
import { join } from "node:path";
import { formatSize } from "../quota_size.ts";

/** Bytes of file contents and a count of files and folders (symlinks and others count too). */
export interface Usage {
  bytes: number;
  files: number;
}

/** The most a plugin's data dir may hold. */
export type QuotaLimits = Usage;

/** The quota of a plugin the user has not raised. */
export const DEFAULT_QUOTA: Readonly<QuotaLimits> = {
  bytes: 100 * 1024 * 1024,
  files: 10_000,
};

/** Thrown when a change would take a plugin's data past its quota. */
export class QuotaExceededError extends Error {
  override name = "QuotaExceededError";
}

/** A reservation taken by {@linkcode QuotaLedger.reserve}. */
export interface Reservation {
  /**
   * Records what the change really did (negative for what it freed) and ends the reservation.
   * Only the first call counts; call it in a `finally` with what was measured, even on failure.
   */
  settle(change: Usage): void;
}

/** Options of {@linkcode QuotaLedger}. */
export interface LedgerOptions {
  /** The plugin, named in errors. */
  plugin: string;
  limits: QuotaLimits;
  /** What the data dir holds now. */
  used: Usage;
  /** Measures the data dir again ({@linkcode QuotaLedger.remeasure}). */
  measure?: () => Promise<Usage>;
}

/** The quota account of one plugin's data dir. */
export class QuotaLedger {
  readonly plugin: string;
  #limits: QuotaLimits;
  #used: Usage;
  #reserved: Usage = { bytes: 0, files: 0 };
  #measure: (() => Promise<Usage>) | undefined;
  // The tail of the exclusive queue: each exclusive section starts when the previous ends.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(opts: LedgerOptions) {
    this.plugin = opts.plugin;
    this.#limits = { ...opts.limits };
    this.#used = { ...opts.used };
    this.#measure = opts.measure;
  }

  /**
   * A ledger for `plugin` whose data dir is `dir`, starting from what it holds on disk; paths
   * for which `skip` (given the path relative to `dir`, `/`-separated) is true are not counted.
   */
  static async open(
    plugin: string,
    dir: string,
    limits: QuotaLimits,
    skip: (relative: string) => boolean = () => false,
  ): Promise<QuotaLedger> {
    const measure = () => measureUsage(dir, skip);
    return new QuotaLedger({ plugin, limits, used: await measure(), measure });
  }

  /** The quota in force. */
  get limits(): Readonly<QuotaLimits> {
    return { ...this.#limits };
  }

  /** What the data dir holds, as accounted (settled changes only). */
  get used(): Readonly<Usage> {
    return { ...this.#used };
  }

  /** Sets a new quota (the user raised or lowered it); what is stored stays. */
  setLimits(limits: QuotaLimits): void {
    this.#limits = { ...limits };
  }

  /**
   * Takes `grow` from what is left, or throws {@linkcode QuotaExceededError} saying what
   * `doing` (e.g. `"writing notes/a.txt"`) would bring the data to. Negative parts are taken as 0:
   * space is given back only by {@linkcode Reservation.settle}, once really freed.
   */
  reserve(grow: Usage, doing: string): Reservation {
    const want = { bytes: Math.max(0, grow.bytes), files: Math.max(0, grow.files) };
    this.#check(want, doing);
    this.#reserved.bytes += want.bytes;
    this.#reserved.files += want.files;
    let settled = false;
    return {
      settle: (change) => {
        if (settled) return;
        settled = true;
        this.#reserved.bytes -= want.bytes;
        this.#reserved.files -= want.files;
        this.#used.bytes = Math.max(0, this.#used.bytes + change.bytes);
        this.#used.files = Math.max(0, this.#used.files + change.files);
      },
    };
  }

  /** Runs `fn` alone among this plugin's exclusive sections, in order of arrival. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Measures the data dir again (after it was changed from outside, e.g. removed). */
  remeasure(): Promise<void> {
    return this.exclusive(async () => {
      if (this.#measure) this.#used = await this.#measure();
    });
  }

  #check(want: Usage, doing: string): void {
    const bytes = this.#used.bytes + this.#reserved.bytes + want.bytes;
    const files = this.#used.files + this.#reserved.files + want.files;
    const hint = `the user can raise it with "rungpt plugin quota ${this.plugin} ` +
      `--bytes <size> --files <count>"`;
    if (want.bytes > 0 && bytes > this.#limits.bytes) {
      throw new QuotaExceededError(
        `quota exceeded: ${doing} (${formatSize(want.bytes)} more) would bring the data of ` +
          `plugin ${this.plugin} to ${sizeOf(bytes, this.#limits.bytes)}; ${hint}`,
      );
    }
    if (want.files > 0 && files > this.#limits.files) {
      throw new QuotaExceededError(
        `quota exceeded: ${doing} would bring the data of plugin ${this.plugin} to ` +
          `${files.toLocaleString("en")} files and folders of ${
            this.#limits.files.toLocaleString("en")
          }; ${hint}`,
      );
    }
  }
}

/** "101 MB of 100 MB", with exact byte counts where rounding would show them equal. */
function sizeOf(total: number, limit: number): string {
  const [t, l] = [formatSize(total), formatSize(limit)];
  return t === l ? `${total} of ${limit} bytes` : `${t} of ${l}`;
}

/**
 * What `dir` holds: the sizes of its files and the number of entries below it (the folder
 * itself not counted), symlinks not followed. A missing `dir` holds nothing.
 *
 * @example
 * ```ts
 * await measureUsage("/data/plugins/notes"); // { bytes: 1234, files: 3 }
 * ```
 */
export async function measureUsage(
  dir: string,
  skip: (relative: string) => boolean = () => false,
): Promise<Usage> {
  const total: Usage = { bytes: 0, files: 0 };
  const walk = async (abs: string, rel: string): Promise<void> => {
    let entries: AsyncIterable<Deno.DirEntry>;
    try {
      entries = Deno.readDir(abs);
      for await (const e of entries) {
        const childRel = rel ? `${rel}/${e.name}` : e.name;
        if (skip(childRel)) continue;
        const info = await Deno.lstat(join(abs, e.name)).catch(() => null);
        if (!info) continue; // removed meanwhile
        total.files++;
        if (info.isFile) total.bytes += info.size;
        if (info.isDirectory) await walk(join(abs, e.name), childRel);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  };
  await walk(dir, "");
  return total;
}

/**
 * What `path` takes from the quota: a file (or link) by itself, a folder with everything below
 * it; nothing when it is missing.
 */
export async function measurePath(path: string): Promise<Usage> {
  const info = await Deno.lstat(path).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  });
  if (!info) return { bytes: 0, files: 0 };
  if (!info.isDirectory) return { bytes: info.isFile ? info.size : 0, files: 1 };
  const below = await measureUsage(path);
  return { bytes: below.bytes, files: below.files + 1 };
}
