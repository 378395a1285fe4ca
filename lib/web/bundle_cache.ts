/**
 * An on-disk cache of the island build, so that a start after the first skips the bundler
 * (most of the start-up time: see docs/benchmarks.md).
 *
 * The key is a SHA-256 over everything that can change the build's output: Deno's version
 * (the bundler is inside it), the build options, the entries, deno.json and deno.lock (they
 * pin every npm package), and the path and contents of every source file in the folders the
 * islands import from. A changed source is a new key; a cache entry that does not match its
 * own index is rebuilt, never served.
 * @module
 */
import { join, relative } from "node:path";
import { concatBytes } from "../http/bytes.ts";
import { type BuiltFile, etagOf, type IslandBuild } from "./bundle.ts";

/** What goes into the key, besides the options. */
export interface BundleSources {
  /** The project root: paths in the key are relative to it. */
  root: string;
  /** Folders (below `root`) whose source files the islands may import. */
  dirs: string[];
  /** Files (below `root`) that pin dependencies and settings: deno.json, deno.lock. */
  files: string[];
  /** The entry files (absolute). */
  entries: string[];
}

/** Options of {@linkcode cachedBuild}. */
export interface BundleCacheOptions {
  /** The cache folder (e.g. `<data dir>/cache`); builds go to `islands/<key>/` below it. */
  dir: string;
  sources: BundleSources;
  /** Build options that change the output (e.g. minify). */
  options: Record<string, unknown>;
}

const SOURCE_FILE = /\.(?:ts|tsx|js|jsx|css|json)$/;
const INDEX = "index.json";
const BLOB = "files.bin";

/** One file in a cache entry's index. */
interface IndexEntry {
  name: string;
  contentType: string;
  etag: string;
  size: number;
}

/**
 * Returns the build for the current sources: from the cache when it holds one, else from
 * `build`, which is then stored (a failure to store is not an error: the build is served).
 *
 * @example
 * ```ts
 * const build = await cachedBuild(
 *   { dir: join(dataDir, "cache"), sources, options: { minify: true } },
 *   () => buildIslands(islands),
 * );
 * ```
 */
export async function cachedBuild(
  opts: BundleCacheOptions,
  build: () => Promise<IslandBuild>,
): Promise<IslandBuild> {
  const key = await bundleKey(opts.sources, opts.options);
  const islandsDir = join(opts.dir, "islands");
  const cached = await readEntry(join(islandsDir, key));
  if (cached) return cached;
  const fresh = await build();
  await writeEntry(islandsDir, key, fresh).catch(() => {});
  return fresh;
}

/**
 * The cache key of `sources` built with `options`: hex SHA-256.
 *
 * @example
 * ```ts
 * const key = await bundleKey(sources, { minify: true });
 * ```
 */
export async function bundleKey(
  sources: BundleSources,
  options: Record<string, unknown>,
): Promise<string> {
  const paths = [
    ...sources.files,
    ...(await Promise.all(sources.dirs.map((d) => sourceFiles(sources.root, d)))).flat().sort(),
  ];
  const contents = await Promise.all(
    paths.map((p) => Deno.readFile(join(sources.root, p)).catch(() => null)),
  );
  const header = JSON.stringify({
    deno: Deno.version.deno,
    options,
    entries: sources.entries.map((e) => relative(sources.root, e)),
  });
  const parts: Uint8Array[] = [encode(header)];
  paths.forEach((path, i) => {
    const bytes = contents[i];
    // Path and length first, so that no two different file sets hash the same bytes.
    parts.push(encode(`\n${path}\n${bytes ? bytes.length : -1}\n`));
    if (bytes) parts.push(bytes);
  });
  const digest = await crypto.subtle.digest("SHA-256", concatBytes(parts) as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Source files below `root/dir`, as paths relative to `root`. */
async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(root, rel)));
    } catch {
      return; // a missing folder adds nothing
    }
    await Promise.all(entries.map(async (e) => {
      const path = join(rel, e.name);
      if (e.isDirectory) await walk(path);
      else if (e.isFile && SOURCE_FILE.test(e.name)) out.push(path);
    }));
  };
  await walk(dir);
  return out;
}

/** The build stored under `dir`, or null when missing or not intact. */
async function readEntry(dir: string): Promise<IslandBuild | null> {
  try {
    const index = JSON.parse(await Deno.readTextFile(join(dir, INDEX))) as IndexEntry[];
    const blob = await Deno.readFile(join(dir, BLOB));
    const files = new Map<string, BuiltFile>();
    let at = 0;
    for (const entry of index) {
      const contents = blob.slice(at, at + entry.size);
      at += entry.size;
      // Every file must still hash to its ETag: a damaged entry is rebuilt, not served.
      if (contents.length !== entry.size || await etagOf(contents) !== entry.etag) return null;
      files.set(entry.name, { contents, contentType: entry.contentType, etag: entry.etag });
    }
    return at === blob.length && files.size > 0 ? { files } : null;
  } catch {
    return null;
  }
}

/**
 * Stores `build` as `islandsDir/key/` (atomically: written aside, then renamed) and removes
 * everything else there: older keys, and what an interrupted write left.
 */
async function writeEntry(islandsDir: string, key: string, build: IslandBuild): Promise<void> {
  await Deno.mkdir(islandsDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: islandsDir, prefix: ".tmp-" });
  try {
    const index: IndexEntry[] = [];
    const blobs: Uint8Array[] = [];
    for (const [name, file] of build.files) {
      index.push({
        name,
        contentType: file.contentType,
        etag: file.etag,
        size: file.contents.length,
      });
      blobs.push(file.contents);
    }
    await Deno.writeFile(join(tmp, BLOB), concatBytes(blobs));
    await Deno.writeTextFile(join(tmp, INDEX), JSON.stringify(index));
    // A damaged entry of this key may be in the way (it was not served): replace it.
    await Deno.remove(join(islandsDir, key), { recursive: true }).catch(() => {});
    await Deno.rename(tmp, join(islandsDir, key));
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    // Another process stored the same key first: theirs is as good.
    if (!(await exists(join(islandsDir, key, INDEX)))) throw e;
  }
  for await (const entry of Deno.readDir(islandsDir)) {
    if (entry.name !== key) {
      await Deno.remove(join(islandsDir, entry.name), { recursive: true }).catch(() => {});
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
