/**
 * `rungpt:fs`: files inside the plugin's own data directory, `<dataDir>/plugins/<name>/`.
 *
 * Without `permissions.fs` in the manifest the whole directory is read-write; with it, only the
 * listed subpaths, each with its access (`read` or `read-write`). Every path is relative, has no
 * `..`, and its real path (symlinks resolved, parents included) must stay inside the subpath it
 * is allowed by. Plugins cannot create symlinks, so only links planted from outside exist, and
 * those may not lead out.
 *
 * Writes and deletes keep the plugin's quota account (`QuotaLedger` in `./quota.ts`, shared by
 * all its instances): a write reserves the bytes, files and folders it adds before it writes and
 * settles what it really changed; a delete gives back what it removed. Each runs alone among
 * the plugin's changes, so what it measures before and after is its own.
 *
 * Functions (requests and `ok` values are JSON):
 * - `read   {path, encoding?: "utf8"|"base64"}` → `{content, encoding, size}`
 * - `write  {path, content, encoding?: "utf8"|"base64", append?: boolean}` → `{size}`
 * - `list   {path?}` → `{entries: [{name, type: "file"|"dir"|"symlink"|"other", size}]}`
 * - `delete {path, recursive?: boolean}` → `null`
 * @module
 */
import { dirname, join, sep as SEPARATOR } from "node:path";
import { decodeBase64, encodeBase64 } from "./encoding.ts";
import { measurePath } from "./quota.ts";
import {
  type ApiDefinition,
  type HostCall,
  parseRequest,
  type PluginHost,
  requireString,
} from "../registry.ts";

/** File name of the plugin's key-value state at the root of its data dir; fs refuses it. */
export const STATE_FILE = ".rungpt-state.json";
/**
 * Whether `name`, at the root of the data dir, is the state file or one of its temporary copies
 * (`rungpt:config` writes a copy, then renames it): fs refuses them and the quota does not count
 * them (`limits.stateBytes` bounds the state).
 */
export function isStateFile(name: string): boolean {
  return name === STATE_FILE || name.startsWith(`${STATE_FILE}.`);
}

const MAX_LIST = 1000;
const MAX_PATH = 1024;
const NOTHING = { bytes: 0, files: 0 };

type Access = "read" | "read-write";

interface Resolved {
  /** The path to operate on (final component not followed when it is a symlink). */
  path: string;
  /** The real path of the allowed subpath the request falls under. */
  base: string;
  /** Relative display form of the request. */
  shown: string;
  /** True when the request names the allowed subpath itself. */
  isBase: boolean;
}

/** Splits and validates a relative path, refusing absolute paths and `..`. */
export function pathSegments(raw: string): string[] {
  if (raw.length > MAX_PATH) throw new Error(`path is longer than ${MAX_PATH} characters`);
  if (raw.includes("\0")) throw new Error("path contains a NUL character");
  if (raw.startsWith("/") || /^[a-zA-Z]:/.test(raw)) {
    throw new Error(`"${raw}" is absolute; paths are relative to the plugin's data dir`);
  }
  if (raw.includes("\\")) throw new Error(`"${raw}" contains a backslash; use "/"`);
  const segs = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segs.includes("..")) throw new Error(`"${raw}" contains "..", which is not allowed`);
  return segs;
}

function rules(host: PluginHost): { segs: string[]; access: Access }[] {
  const declared = host.manifest.permissions.fs;
  if (!declared) return [{ segs: [], access: "read-write" }];
  return declared.map((r) => ({ segs: pathSegments(r.path), access: r.access }));
}

function inside(base: string, p: string): boolean {
  return p === base || p.startsWith(base.endsWith(SEPARATOR) ? base : base + SEPARATOR);
}

async function realOrNull(p: string): Promise<string | null> {
  try {
    return await Deno.realPath(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function lstatOrNull(p: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Checks a request path against the declared paths and their access, touching nothing. */
function allowed(host: PluginHost, raw: string, need: Access) {
  const segs = pathSegments(raw);
  const shown = segs.join("/") || ".";
  if (segs.length && isStateFile(segs[0])) {
    throw new Error(`${shown} is reserved for rungpt:config state`);
  }
  const rule = rules(host)
    .filter((r) => r.segs.every((s, i) => segs[i] === s))
    .sort((a, b) => b.segs.length - a.segs.length)[0];
  if (!rule) throw new Error(`${shown} is outside the paths rungpt.yaml declares`);
  if (need === "read-write" && rule.access !== "read-write") {
    throw new Error(`${shown} is read-only for this plugin`);
  }
  return { segs, shown, rule };
}

/**
 * Resolves a request path to a real location inside the allowed subpath, checking access.
 * With `create`, missing parents (and the subpath itself) are created after the check.
 */
async function resolve(
  host: PluginHost,
  raw: string,
  need: Access,
  create: boolean,
): Promise<Resolved> {
  const { segs, shown, rule } = allowed(host, raw, need);
  await Deno.mkdir(host.dir, { recursive: true });
  const root = await Deno.realPath(host.dir);
  const baseLexical = join(root, ...rule.segs);
  if (create) await mkdirInside(root, rule.segs);
  const base = await realOrNull(baseLexical);
  if (base === null) throw new Error(`${shown}: no such file or directory`);
  if (!inside(root, base)) throw new Error(`${shown} leads outside the plugin's data dir`);

  const rest = segs.slice(rule.segs.length);
  if (rest.length === 0) return { path: base, base, shown, isBase: true };
  // Resolve the parent for real; the final component is checked by the caller's operation.
  const parentSegs = rest.slice(0, -1);
  if (create) await mkdirInside(base, parentSegs);
  const parent = await realOrNull(join(base, ...parentSegs));
  if (parent === null) throw new Error(`${shown}: no such file or directory`);
  if (!inside(base, parent)) throw new Error(`${shown} leads outside its allowed path`);
  return { path: join(parent, rest[rest.length - 1]), base, shown, isBase: false };
}

/** Creates `segs` under `base` one level at a time, refusing to walk through escaping links. */
async function mkdirInside(base: string, segs: string[]): Promise<void> {
  let at = base;
  for (const s of segs) {
    const next = join(at, s);
    const info = await lstatOrNull(next);
    if (!info) await Deno.mkdir(next);
    const real = await realOrNull(next);
    if (real === null || !inside(base, real)) {
      throw new Error(`${s} leads outside its allowed path`);
    }
    at = real;
  }
}

/** Follows a final symlink, requiring its target to stay inside `base`. */
async function follow(r: Resolved): Promise<string> {
  const info = await lstatOrNull(r.path);
  if (!info?.isSymlink) return r.path;
  const real = await realOrNull(r.path);
  if (real === null || !inside(r.base, real)) {
    throw new Error(`${r.shown} is a symlink that leads outside its allowed path`);
  }
  return real;
}

async function read(ctx: HostCall, input: string): Promise<unknown> {
  const req = parseRequest(input, "rungpt:fs read");
  const encoding = req.encoding === "base64" ? "base64" : "utf8";
  const r = await resolve(ctx.plugin, requireString(req, "path", "rungpt:fs read"), "read", false);
  const path = await follow(r);
  const info = await lstatOrNull(path);
  if (!info) throw new Error(`${r.shown}: no such file`);
  if (!info.isFile) throw new Error(`${r.shown} is not a file`);
  const max = ctx.plugin.limits.fileBytes;
  if (info.size > max) {
    throw new Error(`${r.shown} is ${info.size} bytes, above the ${max}-byte limit`);
  }
  const bytes = await Deno.readFile(path);
  const content = encoding === "base64" ? encodeBase64(bytes) : new TextDecoder().decode(bytes);
  return { content, encoding, size: bytes.length };
}

async function write(ctx: HostCall, input: string): Promise<unknown> {
  const req = parseRequest(input, "rungpt:fs write");
  const content = requireString(req, "content", "rungpt:fs write");
  const bytes = req.encoding === "base64"
    ? decodeBase64(content)
    : new TextEncoder().encode(content);
  const raw = requireString(req, "path", "rungpt:fs write");
  const { segs, shown } = allowed(ctx.plugin, raw, "read-write");
  if (segs.length === 0) throw new Error(`${shown} is a directory`);
  // Alone among this plugin's changes, so what is measured before and after is this write's.
  return await ctx.plugin.quota.exclusive(async () => {
    const before = await footprint(ctx.plugin.dir, segs);
    const total = bytes.length + (req.append === true ? before.size : 0);
    const max = ctx.plugin.limits.fileBytes;
    if (total > max) {
      throw new Error(`${shown} would be ${total} bytes, above the ${max}-byte limit`);
    }
    const grow = {
      bytes: total - before.size,
      files: before.missingDirs + (before.exists ? 0 : 1),
    };
    const reservation = ctx.plugin.quota.reserve(grow, `writing ${shown}`);
    try {
      const r = await resolve(ctx.plugin, raw, "read-write", true);
      if (r.isBase) throw new Error(`${r.shown} is a directory`);
      const path = await follow(r);
      const existing = await lstatOrNull(path);
      if (existing && !existing.isFile) throw new Error(`${r.shown} is not a file`);
      await Deno.writeFile(path, bytes, { append: req.append === true });
      return { size: total };
    } finally {
      // Settled whatever happens: a reservation left open would hold its bytes for good.
      const after = await footprint(ctx.plugin.dir, segs).catch(() => before);
      reservation.settle({
        bytes: after.size - before.size,
        files: before.missingDirs - after.missingDirs + Number(after.exists) -
          Number(before.exists),
      });
    }
  });
}

/** What a write finds where it would go (see {@linkcode footprint}). */
interface Footprint {
  /** Parent folders that do not exist (the write creates them). */
  missingDirs: number;
  exists: boolean;
  /** The file's size, 0 when missing or not a file. */
  size: number;
}

/** What a write that will be refused (a link leading out, a broken link) finds: nothing. */
const REFUSED: Footprint = { missingDirs: 0, exists: true, size: 0 };

/**
 * What a write to `segs` finds, read before anything is created: how many of its parent
 * folders are missing, whether the file exists and its size. A final symlink is followed, as
 * the write follows it; nothing outside the data dir is looked at (such a write is refused).
 */
async function footprint(dir: string, segs: string[]): Promise<Footprint> {
  await Deno.mkdir(dir, { recursive: true });
  const root = await Deno.realPath(dir);
  for (let i = 0; i < segs.length; i++) {
    const lexical = join(dir, ...segs.slice(0, i + 1));
    const real = await realOrNull(lexical);
    if (real === null) {
      if (await lstatOrNull(lexical)) return REFUSED; // a broken link
      const missingDirs = segs.length - 1 - i;
      return { missingDirs, exists: false, size: 0 };
    }
    if (!inside(root, real)) return REFUSED;
    if (i === segs.length - 1) {
      const info = await Deno.stat(real);
      return { missingDirs: 0, exists: true, size: info.isFile ? info.size : 0 };
    }
  }
  return REFUSED; // no segments: the root itself, refused as a directory
}

async function list(ctx: HostCall, input: string): Promise<unknown> {
  const req = parseRequest(input || "{}", "rungpt:fs list");
  const raw = req.path === undefined ? "" : requireString(req, "path", "rungpt:fs list");
  const r = await resolve(ctx.plugin, raw, "read", false);
  const path = r.isBase ? r.path : await follow(r);
  const info = await lstatOrNull(path);
  if (!info) throw new Error(`${r.shown}: no such directory`);
  if (!info.isDirectory) throw new Error(`${r.shown} is not a directory`);
  const entries: { name: string; type: string; size: number }[] = [];
  for await (const e of Deno.readDir(path)) {
    if (path === (await Deno.realPath(ctx.plugin.dir)) && isStateFile(e.name)) continue;
    if (entries.length >= MAX_LIST) throw new Error(`${r.shown} has more than ${MAX_LIST} entries`);
    const st = await lstatOrNull(join(path, e.name));
    const type = e.isSymlink ? "symlink" : e.isFile ? "file" : e.isDirectory ? "dir" : "other";
    entries.push({ name: e.name, type, size: st?.size ?? 0 });
  }
  entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return { entries };
}

async function remove(ctx: HostCall, input: string): Promise<unknown> {
  const req = parseRequest(input, "rungpt:fs delete");
  const r = await resolve(
    ctx.plugin,
    requireString(req, "path", "rungpt:fs delete"),
    "read-write",
    false,
  );
  if (r.isBase) throw new Error(`${r.shown} is an allowed root and cannot be deleted`);
  // The final component is not followed: deleting a symlink removes the link itself.
  const info = await lstatOrNull(r.path);
  if (!info) throw new Error(`${r.shown}: no such file or directory`);
  if (!inside(r.base, dirname(r.path))) throw new Error(`${r.shown} is outside its allowed path`);
  await ctx.plugin.quota.exclusive(async () => {
    const before = await measurePath(r.path);
    const freed = ctx.plugin.quota.reserve(NOTHING, `deleting ${r.shown}`);
    try {
      await Deno.remove(r.path, { recursive: req.recursive === true });
    } finally {
      // A recursive delete that failed halfway still freed what it removed.
      const after = await measurePath(r.path).catch(() => before);
      freed.settle({ bytes: after.bytes - before.bytes, files: after.files - before.files });
    }
  });
  return null;
}

/**
 * The `rungpt:fs` API definition.
 *
 * @example
 * ```ts
 * registerApi(registry, fsApi());
 * ```
 */
export function fsApi(): ApiDefinition {
  return {
    specifier: "rungpt:fs",
    description: "Files in the plugin's own data directory",
    functions: { read, write, list, delete: remove },
  };
}
