// The plugins dir and the data dir must not overlap: with the plugins dir inside
// `<data>/plugins`, a plugin's data dir is its own install, and it can rewrite its rungpt.yaml.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { assertDirsApart, DirOverlapError, dirsOverlap } from "../../../lib/plugins/dirs_apart.ts";

/** A temp folder (its real path), removed afterwards. */
async function tempRoot(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "rungpt-dirs-" }));
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

Deno.test("dirs apart: separate folders, or plugins beside the plugin data, are accepted", async () => {
  await using tmp = await tempRoot();
  const root = tmp.path;
  const data = join(root, "data");
  for (
    const pluginsDir of [
      join(root, "plugins_store"),
      join(data, "plugins_store"), // inside the data dir, but not where plugins keep files
      join(data, "plugins-installed"), // a name that only starts like "plugins"
      join(root, "dataplugins"),
    ]
  ) {
    assert.equal(await dirsOverlap({ dataDir: data, pluginsDir }), null, pluginsDir);
  }
  await assertDirsApart({ dataDir: data, pluginsDir: join(root, "plugins_store") });
});

Deno.test("dirs apart: every overlap is refused, naming the setting to change", async () => {
  await using tmp = await tempRoot();
  const root = tmp.path;
  const data = join(root, "data");
  const cases: Array<{ pluginsDir: string; dataDir?: string; says: RegExp }> = [
    { pluginsDir: data, says: /RUNGPT_PLUGINS_DIR and RUNGPT_DATA_DIR are the same folder/ },
    { pluginsDir: join(data, "plugins"), says: /plugins dir .* \(RUNGPT_PLUGINS_DIR\) is inside/ },
    { pluginsDir: join(data, "plugins", "store"), says: /rewrite its own install/ },
    { pluginsDir: join(data, "plugins", ".owners"), says: /RUNGPT_PLUGINS_DIR/ },
    // Not normalized as given: `..` and `.` segments and a trailing slash.
    { pluginsDir: `${data}/x/../plugins/./`, says: /RUNGPT_PLUGINS_DIR/ },
    { pluginsDir: root, says: /data dir .* \(RUNGPT_DATA_DIR\) is inside the plugins dir/ },
    { pluginsDir: join(root, "p"), dataDir: join(root, "p", "a", "data"), says: /RUNGPT_DATA_DIR/ },
  ];
  for (const { pluginsDir, dataDir = data, says } of cases) {
    const problem = await dirsOverlap({ dataDir, pluginsDir });
    assert.match(problem ?? "(accepted)", says, pluginsDir);
    await assert.rejects(assertDirsApart({ dataDir, pluginsDir }), DirOverlapError);
  }
});

Deno.test("dirs apart: symbolic links are followed, either way", async () => {
  await using tmp = await tempRoot();
  const root = tmp.path;
  const data = join(root, "data");
  await Deno.mkdir(join(data, "plugins"), { recursive: true });
  // A plugins dir that is a link into the plugin data area.
  await Deno.symlink(join(data, "plugins"), join(root, "link"));
  assert.match(
    await dirsOverlap({ dataDir: data, pluginsDir: join(root, "link") }) ?? "(accepted)",
    /link \(really .*data\/plugins\).*RUNGPT_PLUGINS_DIR/,
  );
  // A folder not made yet, under that link.
  assert.match(
    await dirsOverlap({ dataDir: data, pluginsDir: join(root, "link", "new", "store") }) ?? "",
    /RUNGPT_PLUGINS_DIR/,
  );
  // The data dir's plugins folder is itself a link to the plugins dir.
  const other = join(root, "other-data");
  await Deno.mkdir(other);
  await Deno.mkdir(join(root, "store"));
  await Deno.symlink(join(root, "store"), join(other, "plugins"));
  assert.match(
    await dirsOverlap({ dataDir: other, pluginsDir: join(root, "store") }) ?? "(accepted)",
    /RUNGPT_PLUGINS_DIR/,
  );
  // A data dir reached through a link into the plugins dir.
  await Deno.mkdir(join(root, "store", "data"));
  await Deno.symlink(join(root, "store", "data"), join(root, "data-link"));
  assert.match(
    await dirsOverlap({ dataDir: join(root, "data-link"), pluginsDir: join(root, "store") }) ??
      "(accepted)",
    /RUNGPT_DATA_DIR/,
  );
});

Deno.test("dirs apart: `rungpt plugin` refuses overlapping dirs; help still prints", async () => {
  await using tmp = await tempRoot();
  const root = tmp.path;
  const data = join(root, "data");
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runPluginCommand(args, {
      pluginsDir: join(data, "plugins"),
      dataDir: data,
      isTerminal: false,
      stdout: (l) => out.push(l),
      stderr: (l) => out.push(l),
    });
    return { code, out: out.join("\n") };
  };
  for (const command of ["list", "install", "remove", "enable", "config"]) {
    const { code, out } = await run(command, "x");
    assert.equal(code, 1, command);
    assert.match(out, /error: The plugins dir .* \(RUNGPT_PLUGINS_DIR\) is inside/, command);
  }
  assert.equal((await run("--help")).code, 0);
  // Nothing was created: the check comes first.
  assert.deepEqual([...Deno.readDirSync(root)], []);
});
