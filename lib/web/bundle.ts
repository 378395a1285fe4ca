/**
 * Builds the browser bundles of the islands with Deno's built-in bundler (esbuild inside
 * Deno, so no subprocess permission is needed), in memory, with code splitting so that
 * shared code (preact) and lazily imported chunks (highlight.js, KaTeX) load once.
 * @module
 */
import type { Island } from "./islands.ts";

/** One built file, served under `/_islands/<id>/<name>`. */
export interface BuiltFile {
  contents: Uint8Array;
  contentType: string;
}

/**
 * A finished build: a content-derived id (for immutable URLs), its files by path, and the
 * path of each entry (`boot` and every island name).
 */
export interface IslandBuild {
  id: string;
  files: Map<string, BuiltFile>;
  entries: Map<string, string>;
}

/** Thrown when the bundler reports errors; the message lists them. */
export class BundleError extends Error {
  override name = "BundleError";
}

const BOOT = new URL("./client/boot.ts", import.meta.url).pathname;

/**
 * Bundles boot.ts and every island.
 *
 * @example
 * ```ts
 * const build = await buildIslands(islands, { minify: true });
 * build.files.get("boot.js");
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
  const hash = new Uint8Array(32);
  for (const file of result.outputFiles) {
    const name = file.path.slice(outputDir.length + 1);
    const contents = file.contents ?? new TextEncoder().encode(file.text());
    files.set(name, { contents, contentType: contentTypeOf(name) });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", contents as BufferSource));
    for (let i = 0; i < 32; i++) hash[i] ^= digest[i];
  }
  // esbuild names each entry after its path below the entries' common folder.
  const entries = new Map<string, string>();
  const sources: [string, string][] = [
    ["boot", BOOT],
    ...islands.map((i) => [i.name, i.file] as [string, string]),
  ];
  const base = commonDir(sources.map(([, file]) => file));
  for (const [name, file] of sources) {
    const path = file.slice(base.length + 1).replace(/\.(tsx|ts|jsx|js)$/, ".js");
    if (!files.has(path)) throw new BundleError(`The bundle has no output for ${file}`);
    entries.set(name, path);
  }
  const id = Array.from(hash.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  return { id, files, entries };
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
