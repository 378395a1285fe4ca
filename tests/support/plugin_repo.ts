/**
 * Plugin repositories as they sit on their own: copying an example out of this checkout, and
 * running a repository's own `plugin_test.ts` against this checkout's rungpt (through
 * `RUNGPT_CMD`, as the tests' header comments tell an author to).
 *
 * @example
 * ```ts
 * const repo = await copyTree("examples/plugins/weather", await Deno.makeTempDir());
 * const report = await runOwnTests(repo, ["--allow-run", "--allow-env", "--allow-read"]);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = join(import.meta.dirname!, "..", "..");

/** How to start this checkout's rungpt: the value of `RUNGPT_CMD` for a plugin's tests. */
export const RUNGPT_CMD = `deno run -A --config ${join(ROOT, "deno.json")} ${
  join(ROOT, "main.ts")
}`;

/** Copies every file and folder of `from` into `to` (created if missing); returns `to`. */
export async function copyTree(from: string, to: string): Promise<string> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(join(from, e.name), join(to, e.name));
    else if (e.isFile) await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
  return to;
}

/**
 * Runs `deno test <permissions> plugin_test.ts` in `repo` with `RUNGPT_CMD` set to this
 * checkout's rungpt; fails unless every test passes. Returns the report.
 */
export async function runOwnTests(repo: string, permissions: readonly string[]): Promise<string> {
  const test = await new Deno.Command(Deno.execPath(), {
    args: ["test", ...permissions, "plugin_test.ts"],
    cwd: repo,
    env: { RUNGPT_CMD, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = new TextDecoder().decode(test.stdout) + new TextDecoder().decode(test.stderr);
  assert.equal(test.code, 0, report);
  return report;
}
