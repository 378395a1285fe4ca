/**
 * `rungpt plugin new NAME [--dir D]`: creates a complete plugin repository from the template
 * in `template/` (manifest, AssemblyScript source with one action, asconfig.json,
 * package.json, build script, test, README, .gitignore) with the SDK vendored in `sdk/rungpt/`.
 * @module
 */
import { dirname, join, relative } from "node:path";
import { PLUGIN_NAME } from "../manifest.ts";
import { sdkFiles } from "./sdk.ts";

/** The template's folder. */
export const TEMPLATE_DIR: string = join(import.meta.dirname!, "template");

/**
 * The plugin name in the template's files, replaced by the new plugin's name. It is itself a
 * valid plugin name, so the template's `rungpt.yaml` parses, and plain text to Markdown, YAML
 * and JSON, so `deno fmt` leaves it alone (`__NAME__` became `**NAME**` in a heading).
 */
export const NAME_PLACEHOLDER = "rungpt-template-name";

/** Template files whose name differs in the new repository (kept inert in this checkout). */
const RENAMES: Record<string, string> = { gitignore: ".gitignore" };

/** Thrown when the repository cannot be created; the message is one line. */
export class ScaffoldError extends Error {
  override name = "ScaffoldError";
}

/** The outcome of {@linkcode newPlugin}. */
export interface NewPluginResult {
  /** The new repository's directory. */
  dir: string;
  /** Files written, relative to `dir`, sorted. */
  files: string[];
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await walk(p, base));
    else if (e.isFile) out.push(relative(base, p));
  }
  return out;
}

/**
 * The new repository's files (relative path → content), with the plugin name filled in.
 *
 * @example
 * ```ts
 * const files = await templateFiles("hello");
 * files["rungpt.yaml"]; // "…name: hello…"
 * ```
 */
export async function templateFiles(name: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of (await walk(TEMPLATE_DIR)).sort()) {
    const text = await Deno.readTextFile(join(TEMPLATE_DIR, rel));
    out[RENAMES[rel] ?? rel] = text.replaceAll(NAME_PLACEHOLDER, name);
  }
  return { ...out, ...(await sdkFiles()) };
}

/**
 * Creates plugin repository `name` in `dir` (default `./<name>`). Refuses an invalid name and
 * a directory that exists and is not empty.
 *
 * @example
 * ```ts
 * const { dir, files } = await newPlugin("hello", { dir: "./plugins/hello" });
 * ```
 */
export async function newPlugin(
  name: string,
  opts: { dir?: string } = {},
): Promise<NewPluginResult> {
  if (!PLUGIN_NAME.test(name)) {
    throw new ScaffoldError(
      `invalid plugin name "${name}": use lowercase letters, digits, - and _, starting with a letter (at most 40)`,
    );
  }
  const dir = opts.dir ?? name;
  const info = await Deno.lstat(dir).catch(() => null);
  if (info) {
    if (!info.isDirectory) throw new ScaffoldError(`${dir} exists and is not a directory`);
    for await (const _ of Deno.readDir(dir)) {
      throw new ScaffoldError(`${dir} is not empty; choose another --dir`);
    }
  }
  const files = await templateFiles(name);
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, content, { createNew: true });
  }
  return { dir, files: Object.keys(files).sort() };
}
