/**
 * `rungpt plugin build [DIR]`: compiles a plugin repository's AssemblyScript with the
 * `assemblyscript` npm package, in-process (no global install, no subprocess), into the path
 * the manifest's `wasm` names.
 *
 * Conventions (what `rungpt plugin new` writes): the entry is `assembly/index.ts`; compiler
 * options come from the repository's `asconfig.json`, target `release` (the same file
 * `npx asc assembly/index.ts --target release` reads). Without an `asconfig.json`,
 * {@linkcode DEFAULT_ASC_FLAGS} apply.
 * @module
 */
import { dirname, join } from "node:path";
import { isInside, type Manifest, MANIFEST_FILE, parseManifest } from "../manifest.ts";

/**
 * The compiler, loaded on first use: it takes seconds to load, every `rungpt plugin` command
 * imports this module, and through a specifier Deno cannot see ahead of time, `deno task start`
 * does not download it (with binaryen, 100 MB that only plugin authors need).
 */
const ASSEMBLYSCRIPT = "npm:assemblyscript@^0.28/asc";

/** The part of asc's API used here (its own types would pull the package into the lockfile). */
interface AscCompiler {
  main(args: string[], options: {
    writeFile(file: string, contents: Uint8Array | string): void;
    stderr: { write(s: string | Uint8Array): void };
    stdout: { write(s: string | Uint8Array): void };
  }): Promise<{ error: Error | null }>;
}

/** The entry file, relative to the repository root. */
export const ENTRY_FILE = "assembly/index.ts";
/** The compiler configuration file, relative to the repository root. */
export const ASCONFIG_FILE = "asconfig.json";
/** Flags used when the repository has no `asconfig.json`. */
export const DEFAULT_ASC_FLAGS: readonly string[] = [
  "--optimize",
  "--runtime",
  "incremental",
  "--use",
  "abort=sdk/rungpt/extism/rungptAbort",
];

/** Thrown when a plugin repository cannot be built; the message is one line. */
export class BuildError extends Error {
  override name = "BuildError";
}

/** Options of {@linkcode buildPlugin}. */
export interface BuildOptions {
  /** Write the module here instead of the manifest's `wasm` path (e.g. to compare builds). */
  outFile?: string;
  /** Only compile; write nothing. */
  dryRun?: boolean;
}

/** The outcome of a build. */
export interface BuildResult {
  manifest: Manifest;
  /** Where the module was written (absolute), or would have been with `dryRun`. */
  wasmPath: string;
  wasm: Uint8Array;
}

/**
 * Reads and validates `<dir>/rungpt.yaml` without requiring the module to exist yet.
 *
 * @example
 * ```ts
 * const manifest = await readManifestForBuild("./my-plugin");
 * ```
 */
export async function readManifestForBuild(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, MANIFEST_FILE));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new BuildError(`${join(dir, MANIFEST_FILE)} not found: is ${dir} a plugin repository?`);
    }
    throw e;
  }
  return parseManifest(text);
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Turns asc's multi-line diagnostics into short one-line messages with their locations. */
export function summarizeDiagnostics(stderr: string): string {
  const lines = stderr.replace(ANSI, "").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(ERROR|error)\b\s*(.*)$/.exec(lines[i].trim());
    if (!m) continue;
    let where = "";
    for (let j = i + 1; j < Math.min(lines.length, i + 8); j++) {
      const loc = /in (\S+)\((\d+),(\d+)\)/.exec(lines[j]);
      if (loc) {
        where = `${loc[1]}:${loc[2]}:${loc[3]}: `;
        break;
      }
    }
    out.push(`${where}${m[2]}`);
    if (out.length >= 5) break;
  }
  return out.length ? out.join("; ") : stderr.replace(ANSI, "").trim().slice(0, 500);
}

/**
 * Compiles the plugin repository at `dir` and writes the module to the manifest's `wasm` path
 * (or `opts.outFile`). Compilation is deterministic: the same sources give the same bytes.
 *
 * @example
 * ```ts
 * const { wasmPath, wasm } = await buildPlugin("./my-plugin");
 * console.log(`${wasmPath}: ${wasm.length} bytes`);
 * ```
 */
export async function buildPlugin(dir: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const root = await Deno.realPath(dir).catch(() => {
    throw new BuildError(`${dir}: no such directory`);
  });
  const manifest = await readManifestForBuild(root);
  if (!(await exists(join(root, ENTRY_FILE)))) {
    throw new BuildError(`${ENTRY_FILE} not found in ${dir}: the plugin's source goes there`);
  }
  const config = await exists(join(root, ASCONFIG_FILE));
  const args = [
    ENTRY_FILE,
    "--baseDir",
    root,
    ...(config ? ["--config", ASCONFIG_FILE, "--target", "release"] : DEFAULT_ASC_FLAGS),
    "--outFile",
    "plugin.wasm",
  ];
  let stderr = "";
  let binary: Uint8Array | null = null;
  const { default: compiler }: { default: AscCompiler } = await import(ASSEMBLYSCRIPT);
  const { error } = await compiler.main(
    args,
    {
      writeFile(file: string, contents: Uint8Array | string) {
        if (file.endsWith(".wasm") && typeof contents !== "string") binary = contents;
      },
      stderr: { write: (s: string | Uint8Array) => void (stderr += String(s)) },
      stdout: { write: () => {} },
    },
  );
  if (error || !binary) {
    throw new BuildError(
      `building ${manifest.name} failed: ${summarizeDiagnostics(stderr) || error?.message}`,
    );
  }
  const wasm: Uint8Array = binary;
  const wasmPath = opts.outFile ?? join(root, manifest.wasm);
  if (!opts.dryRun) {
    if (!opts.outFile) await checkOutputPath(root, wasmPath, manifest.wasm);
    await Deno.mkdir(dirname(wasmPath), { recursive: true });
    await Deno.writeFile(wasmPath, wasm);
  }
  return { manifest, wasmPath, wasm };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Refuses to write through a symlink or a parent that leads outside the repository. */
async function checkOutputPath(root: string, path: string, shown: string): Promise<void> {
  const info = await Deno.lstat(path).catch(() => null);
  if (info && !info.isFile) {
    throw new BuildError(`wasm: "${shown}" exists and is not a regular file`);
  }
  let parent = dirname(path);
  while (!(await exists(parent))) parent = dirname(parent);
  if (!isInside(root, await Deno.realPath(parent))) {
    throw new BuildError(`wasm: "${shown}" resolves outside the plugin directory`);
  }
}
