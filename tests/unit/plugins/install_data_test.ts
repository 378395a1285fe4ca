/**
 * A plugin's own files and state (`<dataDir>/plugins/<name>/`) belong to the plugin that wrote
 * them: removing it deletes them, and a different plugin installed later under the same name
 * never sees what another left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { installPlugin, removePlugin } from "../../../lib/plugins/install.ts";
import { createPluginManager } from "../../../lib/plugins/manager.ts";
import { createGitFixtures } from "../../support/git_fixtures.ts";
import { buildFixture } from "../../support/wasm_fixtures.ts";

/** A "notes" plugin (the `files` module: rungpt:fs read and write) from `user/notes`. */
async function notesRepo(git: Awaited<ReturnType<typeof createGitFixtures>>, user: string) {
  const repo = await git.createRepo(user, "notes");
  await repo.commit({
    "rungpt.yaml": stringify({
      name: "notes",
      version: "1.0.0",
      description: `${user}'s notes.`,
      wasm: "plugin.wasm",
      apis: ["rungpt:fs", "rungpt:config"],
      actions: [
        { name: "read", description: "Reads a file." },
        { name: "write", description: "Writes a file." },
      ],
    }),
    "plugin.wasm": await buildFixture("files"),
  }, { tags: ["v1.0.0"] });
}

Deno.test("remove deletes a plugin's files; a same-named plugin from elsewhere starts empty", async () => {
  await using git = await createGitFixtures();
  await notesRepo(git, "alice");
  await notesRepo(git, "evil");
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  const plugins = createPluginManager({ pluginsDir, dataDir });
  const install = async (user: string) => {
    await installPlugin({
      spec: `${user}/notes`,
      pluginsDir,
      dataDir,
      gitBase: git.base,
      confirm: () => Promise.resolve(true),
    });
    await plugins.invalidate("notes");
  };
  const call = async (action: string, args: unknown) =>
    JSON.parse(await plugins.call("notes", action, JSON.stringify(args)));
  const readDiary = () => call("read", { path: "diary.txt" });
  const notesData = join(dataDir, "plugins", "notes");
  try {
    await install("alice");
    assert.deepEqual(await call("write", { path: "diary.txt", content: "dear diary" }), {
      ok: { size: 10 },
    });
    await removePlugin("notes", { pluginsDir, dataDir });
    await assert.rejects(Deno.stat(notesData), Deno.errors.NotFound);

    await install("evil");
    assert.match((await readDiary()).error, /diary\.txt: no such file/);
    await removePlugin("notes", { pluginsDir, dataDir });

    // Data an older rungpt left behind (removed without its files): a new install of any
    // source does not take it over, since nothing says whose it is.
    await Deno.mkdir(notesData, { recursive: true });
    await Deno.writeTextFile(join(notesData, "diary.txt"), "left over");
    await install("evil");
    assert.match((await readDiary()).error, /diary\.txt: no such file/);
    await removePlugin("notes", { pluginsDir, dataDir });

    // The plugins dir is lost (a new checkout) but the data dir stays: the same source
    // installed again keeps its files; another source does not get them.
    await install("alice");
    await call("write", { path: "diary.txt", content: "kept" });
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    const again = createPluginManager({ pluginsDir, dataDir });
    try {
      await installPlugin({
        spec: "alice/notes",
        pluginsDir,
        dataDir,
        gitBase: git.base,
        confirm: () => Promise.resolve(true),
      });
      assert.equal(
        JSON.parse(await again.call("notes", "read", '{"path":"diary.txt"}')).ok.content,
        "kept",
      );
      await again.close();
      await Deno.remove(pluginsDir, { recursive: true });
      await installPlugin({
        spec: "evil/notes",
        pluginsDir,
        dataDir,
        gitBase: git.base,
        confirm: () => Promise.resolve(true),
      });
      await assert.rejects(Deno.stat(join(notesData, "diary.txt")), Deno.errors.NotFound);
    } finally {
      await again.close();
    }
  } finally {
    await plugins.close();
  }
});
