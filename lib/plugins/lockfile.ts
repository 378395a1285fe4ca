/**
 * The lockfile `<pluginsDir>/rungpt.lock.json`: what is installed, from where, at which commit,
 * the module's sha256, whether it is enabled, and what the user granted. Written atomically
 * (temp file + rename), validated with zod on read.
 * @module
 */
import { z } from "zod";
import { join, resolve } from "node:path";
import { DEFAULT_GIT_BASE } from "./git.ts";
import {
  IDENTIFIER,
  loadManifest,
  type Manifest,
  PLUGIN_NAME,
  resolveWasmPath,
} from "./manifest.ts";

/** The lockfile's name inside the plugins dir. */
export const LOCKFILE_NAME = "rungpt.lock.json";

/** The file whose OS lock guards the plugins dir across processes (the CLI and the server). */
export const PLUGINS_LOCK_NAME = ".plugins.lock";

const grantsSchema = z.object({
  /** `<namespace>:<api>` import modules the module may link. */
  apis: z.array(z.string()),
  net: z.object({
    /** Hosts the plugin may reach (as in the manifest). */
    hosts: z.array(z.string()),
    /** Loopback, private and link-local addresses allowed (off unless the user said so). */
    allowPrivate: z.boolean(),
  }).strict(),
  /** Subpaths of the plugin's data dir and their access. */
  fs: z.array(z.object({ path: z.string(), access: z.enum(["read", "read-write"]) }).strict()),
  /** Names of the secret settings the plugin asked for. */
  secrets: z.array(z.string().regex(IDENTIFIER)),
}).strict();

const entryFields = z.object({
  /** `user/repo`. */
  source: z.string(),
  /** The full clone URL it was installed from (`<RUNGPT_GIT_BASE>/<user>/<repo>`); updates use it. */
  url: z.string().min(1),
  /** The resolved tag or branch name, or the commit id. */
  ref: z.string(),
  refKind: z.enum(["tag", "branch", "commit"]),
  /** True when the user named the ref; `update` then follows a branch instead of "latest". */
  pinned: z.boolean(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  version: z.string(),
  wasmSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** ISO 8601. */
  installedAt: z.string(),
  enabled: z.boolean(),
  grants: grantsSchema,
  /**
   * The quota of the plugin's data dir when the user changed it (`rungpt plugin quota`);
   * absent means the default.
   */
  quota: z.object({
    /** Total bytes of its files. */
    bytes: z.number().int().positive(),
    /** Files and folders it may hold. */
    files: z.number().int().positive(),
  }).strict().optional(),
}).strict();

/** Lockfiles written before the clone URL was recorded: those plugins came from the default. */
function withUrl(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || "url" in raw) return raw;
  const source = (raw as { source?: unknown }).source;
  return typeof source === "string" ? { ...raw, url: `${DEFAULT_GIT_BASE}/${source}` } : raw;
}

const entrySchema = z.preprocess(withUrl, entryFields);

const lockfileSchema = z.object({
  lockfileVersion: z.literal(1),
  plugins: z.record(z.string().regex(PLUGIN_NAME), entrySchema),
}).strict();

/** What the user consented to for one plugin. */
export type Grants = z.infer<typeof grantsSchema>;
/** One installed plugin's record. */
export type LockEntry = z.infer<typeof entrySchema>;
/** The whole lockfile. */
export type Lockfile = z.infer<typeof lockfileSchema>;

/** Thrown for an unreadable lockfile or a module whose hash changed. */
export class LockfileError extends Error {
  override name = "LockfileError";
}

/** The lockfile's path in `pluginsDir`. */
export function lockfilePath(pluginsDir: string): string {
  return join(pluginsDir, LOCKFILE_NAME);
}

/**
 * Reads the lockfile; a missing file is an empty lockfile.
 *
 * @example
 * ```ts
 * const lock = await readLockfile("./plugins_store");
 * Object.keys(lock.plugins); // ["weather", ...]
 * ```
 */
export async function readLockfile(pluginsDir: string): Promise<Lockfile> {
  let text: string;
  try {
    text = await Deno.readTextFile(lockfilePath(pluginsDir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { lockfileVersion: 1, plugins: {} };
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LockfileError(`${lockfilePath(pluginsDir)}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = lockfileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new LockfileError(`${lockfilePath(pluginsDir)}: ${i.path.join(".")}: ${i.message}`);
  }
  return parsed.data;
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory, then rename, so a
 * reader sees the old or the new content, never half of it.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await Deno.writeFile(tmp, bytes, { mode, createNew: true });
    await Deno.chmod(tmp, mode); // mode at creation is subject to the umask
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Writes the lockfile atomically (entries sorted by name, for stable diffs). */
export async function writeLockfile(pluginsDir: string, lock: Lockfile): Promise<void> {
  const plugins = Object.fromEntries(
    Object.keys(lock.plugins).sort().map((k) => [k, lock.plugins[k]]),
  );
  const checked = lockfileSchema.parse({ lockfileVersion: 1, plugins });
  await writeFileAtomic(lockfilePath(pluginsDir), JSON.stringify(checked, null, 2) + "\n");
}

/** Reads, changes and writes the lockfile; `change` may mutate `lock` in place. */
export async function updateLockfile(
  pluginsDir: string,
  change: (lock: Lockfile) => void | Promise<void>,
): Promise<Lockfile> {
  const lock = await readLockfile(pluginsDir);
  await change(lock);
  await writeLockfile(pluginsDir, lock);
  return lock;
}

/** Hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Fails with a {@linkcode LockfileError} unless `wasmBytes` hash to the sha256 recorded for
 * `name` at install.
 */
export async function verifyModuleHash(
  name: string,
  entry: LockEntry,
  wasmBytes: Uint8Array,
): Promise<void> {
  const problem = hashMismatch(name, entry, await sha256Hex(wasmBytes));
  if (problem) throw new LockfileError(problem);
}

/**
 * What is wrong when a module hashing to `found` is not the one recorded for `name`; `null`
 * when it is.
 *
 * @example
 * ```ts
 * hashMismatch("weather", entry, await sha256Hex(bytes)); // "plugin weather's module changed …"
 * ```
 */
export function hashMismatch(name: string, entry: LockEntry, found: string): string | null {
  return found === entry.wasmSha256 ? null : `plugin ${name}'s module changed since install: ` +
    `expected sha256 ${entry.wasmSha256}, found ${found}; reinstall it`;
}

/** A plugin whose module matched its recorded hash. */
export interface VerifiedPlugin {
  name: string;
  entry: LockEntry;
  manifest: Manifest;
  /** The plugin's install dir. */
  dir: string;
  /** Real path of the module, inside `dir`. */
  wasmPath: string;
  /** The module bytes that were hashed (use these, not a second read). */
  wasmBytes: Uint8Array;
}

/**
 * Loads installed plugin `name`'s manifest and module and checks the module's sha256 against
 * the lockfile; fails with a clear error when it is not installed or its module changed.
 *
 * @example
 * ```ts
 * const { wasmBytes, manifest } = await verifyPlugin("./plugins_store", "weather");
 * ```
 */
export async function verifyPlugin(pluginsDir: string, name: string): Promise<VerifiedPlugin> {
  const entry = (await readLockfile(pluginsDir)).plugins[name];
  if (!entry || !PLUGIN_NAME.test(name)) {
    throw new LockfileError(`plugin ${name} is not installed`);
  }
  const dir = join(pluginsDir, name);
  const manifest = await loadManifest(dir);
  if (manifest.name !== name) {
    throw new LockfileError(`plugin ${name}'s manifest now names "${manifest.name}"; reinstall it`);
  }
  const wasmPath = await resolveWasmPath(dir, manifest);
  const wasmBytes = await Deno.readFile(wasmPath);
  await verifyModuleHash(name, entry, wasmBytes);
  return { name, entry, manifest, dir, wasmPath, wasmBytes };
}

// One install/update/remove/enable at a time per plugins dir within this process.
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding an exclusive OS lock on the plugins dir's {@linkcode PLUGINS_LOCK_NAME},
 * so another process (the CLI while the server runs) waits for it. A plugins dir that does not
 * exist holds nothing to protect: `fn` runs without the lock.
 */
async function withFileLock<T>(pluginsDir: string, fn: () => Promise<T>): Promise<T> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(join(pluginsDir, PLUGINS_LOCK_NAME), { create: true, write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return await fn();
    throw e;
  }
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close(); // releases the lock
  }
}

/**
 * Runs `fn` after every earlier locked operation on the same plugins dir has finished, in this
 * process (a queue) and in others (an OS file lock), so lockfile read-modify-writes never
 * interleave and no process loses another's edit.
 *
 * @example
 * ```ts
 * await withPluginsLock(dir, () => updateLockfile(dir, (l) => void (l.plugins.x.enabled = false)));
 * ```
 */
export function withPluginsLock<T>(pluginsDir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(pluginsDir);
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => {})
    .then(() => withFileLock(pluginsDir, fn));
  queues.set(key, run);
  const done = () => {
    if (queues.get(key) === run) queues.delete(key);
  };
  run.then(done, done);
  return run;
}
