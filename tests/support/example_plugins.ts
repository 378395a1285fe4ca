/**
 * Installs examples/plugins/* as a user gets them: each repository committed to a local bare
 * git repo, tagged v1.0.0, and installed with the real installer.
 *
 * @example
 * ```ts
 * await installExamples({ pluginsDir, dataDir }, ["text-transform", "checksum"]);
 * ```
 * @module
 */
import { join, relative } from "node:path";
import { installPlugin } from "../../lib/plugins/install.ts";
import { createGitFixtures, type FileMap } from "./git_fixtures.ts";

const EXAMPLES = join(import.meta.dirname!, "..", "..", "examples", "plugins");

/** Every file under `dir`, keyed by its path relative to `root`. */
async function filesOf(dir: string, root = dir): Promise<FileMap> {
  const out: FileMap = {};
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) Object.assign(out, await filesOf(path, root));
    else out[relative(root, path)] = await Deno.readFile(path);
  }
  return out;
}

/** Installs the named examples into `dirs.pluginsDir`, consenting to what each asks. */
export async function installExamples(
  dirs: { pluginsDir: string; dataDir: string },
  names: readonly string[],
): Promise<void> {
  await using git = await createGitFixtures();
  for (const name of names) {
    const repo = await git.createRepo("examples", name);
    await repo.commit(await filesOf(join(EXAMPLES, name)), { tags: ["v1.0.0"] });
    await installPlugin({
      spec: `examples/${name}`,
      pluginsDir: dirs.pluginsDir,
      dataDir: dirs.dataDir,
      gitBase: git.base,
      confirm: () => Promise.resolve(true),
    });
  }
}
