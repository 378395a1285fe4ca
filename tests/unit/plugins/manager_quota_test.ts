/**
 * The data dir quota end to end: the `files` fixture (real wasm) installed from a local git
 * repository and called through the plugin manager. Files already on disk count from the first
 * load, a write past the quota gets the error, `rungpt plugin quota` raises it for a running
 * manager, an update keeps it, and a reinstall after removal starts from an empty data dir.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { type ConsentSummary, formatSummary } from "../../../lib/plugins/consent.ts";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { DEFAULT_QUOTA } from "../../../lib/plugins/host/quota.ts";
import { installPlugin, removePlugin, updatePlugin } from "../../../lib/plugins/install.ts";
import { readLockfile } from "../../../lib/plugins/lockfile.ts";
import { createPluginManager } from "../../../lib/plugins/manager.ts";
import { createGitFixtures } from "../../support/git_fixtures.ts";
import { buildFixture } from "../../support/wasm_fixtures.ts";

function manifest(version: string) {
  return stringify({
    name: "files",
    version,
    description: "Writes files.",
    wasm: "plugin.wasm",
    apis: ["rungpt:fs"],
    permissions: { fs: [{ path: "notes", access: "read-write" }] },
    actions: [
      { name: "write", description: "Writes a file." },
      { name: "remove", description: "Deletes a file." },
    ],
  });
}

Deno.test("manager: the data dir quota holds across instances, and the user can raise it", async () => {
  await using git = await createGitFixtures();
  const wasm = await buildFixture("files");
  const repo = await git.createRepo("acme", "files");
  await repo.commit({ "rungpt.yaml": manifest("1.0.0"), "plugin.wasm": wasm }, {
    tags: ["v1.0.0"],
  });
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  const asked: ConsentSummary[] = [];
  const common = {
    pluginsDir,
    dataDir,
    gitBase: git.base,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(true)),
  };
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runPluginCommand(["quota", "files", ...args], {
      pluginsDir,
      dataDir,
      stdout: (l) => lines.push(l),
      stderr: (l) => lines.push(l),
    });
    return { code, text: lines.join("\n") };
  };
  const plugins = createPluginManager({ pluginsDir, dataDir });
  const write = async (path: string, size: number) =>
    JSON.parse(
      await plugins.call("files", "write", JSON.stringify({ path, content: "x".repeat(size) })),
    );
  try {
    await installPlugin({ ...common, spec: "acme/files" });
    assert.deepEqual(asked[0].quota, DEFAULT_QUOTA, "the consent screen shows the quota");
    assert.match(
      formatSummary(asked[0]),
      /\n {2}quota: {4}up to 100 MB in 10,000 files and folders/,
    );

    // Files already there before the plugin first loads count against its quota.
    await Deno.mkdir(join(dataDir, "plugins", "files", "notes"), { recursive: true });
    await Deno.writeTextFile(
      join(dataDir, "plugins", "files", "notes", "old.txt"),
      "o".repeat(3000),
    );
    assert.deepEqual(await cli("--bytes", "4KB", "--files", "7"), {
      code: 0,
      text: "files may store up to 4 KB in 7 files and folders",
    });
    const refused = await write("notes/a.txt", 1500);
    assert.match(refused.error, /^quota exceeded: writing notes\/a.txt \(1.46 KB more\)/);
    assert.match(
      refused.error,
      /to 4.39 KB of 4 KB; the user can raise it with "rungpt plugin quota files/,
    );
    assert.deepEqual(await write("notes/a.txt", 1000), { ok: { size: 1000 } });

    // Several calls at once run on several instances; together they still stay in the quota.
    const results = await Promise.all([1, 2, 3, 4].map((i) => write(`notes/c${i}.txt`, 40)));
    assert.equal(results.filter((r) => r.ok).length, 2, JSON.stringify(results));

    // Raising it takes effect on the next call of the running manager.
    assert.equal(
      (await cli("--bytes", "1MB")).text,
      "files may store up to 1 MB in 7 files and folders",
    );
    assert.deepEqual(await write("notes/b.txt", 1500), { ok: { size: 1500 } });
    assert.match((await write("notes/d/e.txt", 1)).error, /of 7; the user can raise it/);

    // An update keeps the raised quota, and its consent screen shows it.
    await repo.commit({ "rungpt.yaml": manifest("1.1.0"), "plugin.wasm": wasm }, {
      tags: ["v1.1.0"],
    });
    await updatePlugin("files", { ...common, confirm: () => Promise.resolve(true) });
    assert.deepEqual((await readLockfile(pluginsDir)).plugins.files.quota, {
      bytes: 1024 * 1024,
      files: 7,
    });
    assert.deepEqual(await write("notes/c.txt", 1), { ok: { size: 1 } });

    // Bad input names what was wrong; nothing changes.
    const bad = await cli("--bytes", "lots");
    assert.equal(bad.code, 1);
    assert.match(bad.text, /"lots" is not a size; write it like 500MB/);
    assert.match((await cli("--files", "0")).text, /--files must be a whole number of at least 1/);

    // Removed and installed again: the quota is the default and the old files are gone.
    await removePlugin("files", { pluginsDir, dataDir });
    await installPlugin({ ...common, spec: "acme/files" });
    assert.equal((await readLockfile(pluginsDir)).plugins.files.quota, undefined);
    await cli("--bytes", "5000");
    assert.deepEqual(await write("notes/a.txt", 4000), { ok: { size: 4000 } });
    assert.match((await write("notes/b.txt", 1001)).error, /quota exceeded/);
    assert.equal(
      (await cli("--reset")).text,
      "files may store up to 100 MB in 10,000 files and folders",
    );
    assert.equal((await readLockfile(pluginsDir)).plugins.files.quota, undefined);
  } finally {
    await plugins.close();
  }
});
