/**
 * Builds the browser bundles of the islands with Deno's built-in bundler (esbuild inside
 * Deno, so no subprocess permission is needed), in memory, with code splitting so that
 * shared code (preact) and lazily imported chunks (highlight.js, KaTeX) load once.
 * @module
 */
import type { BundleSources } from "./bundle_cache.ts";
import type { Island } from "./islands.ts";

/** One built file, served under `/_islands/<path>`. */
export interface BuiltFile {
  contents: Uint8Array;
  contentType: string;
  /** A strong ETag from the content. */
  etag: string;
}

/** A finished build: its files by path. */
export interface IslandBuild {
  files: Map<string, BuiltFile>;
}

// `import{a}from"./chunk-X.js"` and `import"./chunk-X.js"` in esbuild's minified output.
const STATIC_IMPORT = /(?:^|[;\n}])\s*import\s*(?:[^"'();]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

/**
 * The files a built file imports statically, transitively, as paths in the build (not
 * dynamic `import()`s: those load only when needed).
 */
export function staticImports(build: IslandBuild, path: string): string[] {
  const seen = new Set<string>();
  const visit = (from: string) => {
    const file = build.files.get(from);
    if (!file) return;
    const text = new TextDecoder().decode(file.contents);
    for (const [, spec] of text.matchAll(STATIC_IMPORT)) {
      const target = new URL(spec, `file:///${from}`).pathname.slice(1);
      if (!seen.has(target)) {
        seen.add(target);
        visit(target);
      }
    }
  };
  visit(path);
  return [...seen];
}

/** Thrown when the bundler reports errors; the message lists them. */
export class BundleError extends Error {
  override name = "BundleError";
}

const BOOT = new URL("./client/boot.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * What the build of `islands` depends on, for the build cache: the entries, the folders
 * islands import from, and the files that pin the npm packages.
 */
export function islandSources(islands: Island[]): BundleSources {
  return {
    root: ROOT,
    dirs: ["islands", "components", "lib"],
    files: ["deno.json", "deno.lock"],
    entries: [BOOT, ...islands.map((i) => i.file)],
  };
}

/**
 * Where each entry's bundle will be, by name (`boot` and every island), known before the
 * build runs: esbuild names an entry after its path below the entries' common folder. Pages
 * can therefore be rendered while the bundle is still being built.
 */
export function entryPaths(islands: Island[]): Map<string, string> {
  const sources: [string, string][] = [
    ["boot", BOOT],
    ...islands.map((i) => [i.name, i.file] as [string, string]),
  ];
  const base = commonDir(sources.map(([, file]) => file));
  return new Map(
    sources.map((
      [name, file],
    ) => [name, file.slice(base.length + 1).replace(/\.(tsx|ts|jsx|js)$/, ".js")]),
  );
}

/**
 * Bundles boot.ts and every island.
 *
 * @example
 * ```ts
 * const build = await buildIslands(islands, { minify: true });
 * build.files.get(entryPaths(islands).get("boot")!);
 * ```
 */
export async function buildIslands(
  islands: Island[],
  opts: { minify?: boolean } = {},
): Promise<IslandBuild> {
  const outputDir = "/rungpt-islands-out";
  const result = await Deno.bundle({
    entrypoints: [BOOT, ...islands.map((i) => i.file)],
    outputDir,
    platform: "browser",
    format: "esm",
    codeSplitting: true,
    minify: opts.minify ?? true,
    write: false,
  });
  if (!result.success || !result.outputFiles) {
    const errors = result.errors.map((e: Deno.bundle.Message) =>
      `${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ""}`
    );
    throw new BundleError(`Building the islands failed:\n${errors.join("\n")}`);
  }
  const files = new Map<string, BuiltFile>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(outputDir.length + 1);
    const contents = file.contents ?? new TextEncoder().encode(file.text());
    files.set(name, { contents, contentType: contentTypeOf(name), etag: await etagOf(contents) });
  }
  for (const [name, path] of entryPaths(islands)) {
    if (!files.has(path)) throw new BundleError(`The bundle has no output for ${name} (${path})`);
  }
  return { files };
}

/**
 * A strong ETag for `contents`: the first 96 bits of its SHA-256, in hex.
 *
 * @example
 * ```ts
 * await etagOf(new TextEncoder().encode("x")); // '"2d711642b726b04401627ca9"'
 * ```
 */
export async function etagOf(contents: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", contents as BufferSource));
  return `"${Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

function contentTypeOf(name: string): string {
  if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
  if (name.endsWith(".css")) return "text/css; charset=utf-8";
  if (name.endsWith(".map")) return "application/json";
  return "application/octet-stream";
}

function commonDir(paths: string[]): string {
  const split = paths.map((p) => p.split("/").slice(0, -1));
  const first = split[0];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join("/");
}
