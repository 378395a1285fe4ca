/**
 * The AssemblyScript SDK (`sdk/assemblyscript/`) as plugin repositories vendor it: its
 * `assembly/*.ts` and README copied to `sdk/rungpt/` inside the repository, so the repository
 * builds on its own (`import { … } from "../sdk/rungpt"`).
 * @module
 */
import { join } from "node:path";

/** The SDK's source folder in this checkout. */
export const SDK_DIR: string = join(
  import.meta.dirname!,
  "..",
  "..",
  "..",
  "sdk",
  "assemblyscript",
);
/** Where a plugin repository keeps its copy, relative to its root. */
export const VENDORED_SDK_DIR = "sdk/rungpt";

/**
 * The vendored SDK's files: path relative to the plugin repository → content.
 *
 * @example
 * ```ts
 * const files = await sdkFiles(); // { "sdk/rungpt/index.ts": "…", "sdk/rungpt/README.md": "…", … }
 * ```
 */
export async function sdkFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names: string[] = [];
  for await (const e of Deno.readDir(join(SDK_DIR, "assembly"))) {
    if (e.isFile && e.name.endsWith(".ts")) names.push(e.name);
  }
  for (const name of names.sort()) {
    out[`${VENDORED_SDK_DIR}/${name}`] = await Deno.readTextFile(join(SDK_DIR, "assembly", name));
  }
  out[`${VENDORED_SDK_DIR}/README.md`] = await Deno.readTextFile(join(SDK_DIR, "README.md"));
  return out;
}

/**
 * Copies the SDK into `<repoDir>/sdk/rungpt/`, replacing an older copy's files.
 *
 * @example
 * ```ts
 * await vendorSdk("./my-plugin");
 * ```
 */
export async function vendorSdk(repoDir: string): Promise<string[]> {
  const files = await sdkFiles();
  await Deno.mkdir(join(repoDir, VENDORED_SDK_DIR), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await Deno.writeTextFile(join(repoDir, rel), content);
  }
  return Object.keys(files);
}
