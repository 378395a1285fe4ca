/**
 * Sources other than `user/repo`: GitHub URLs, a local git repository, a plain local folder
 * (snapshotted into a commit, within the same limits), and the shipped examples themselves.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { readLockfile } from "../../../lib/plugins/lockfile.ts";
import { parseSource } from "../../../lib/plugins/source.ts";
import { createGitFixtures, type FileMap, pluginFiles } from "../../support/git_fixtures.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

Deno.test("source: GitHub URLs are user/repo; local paths are folders; others are refused", () => {
  for (
    const input of [
      "acme/hello@v1.0.0",
      "github.com/acme/hello@v1.0.0",
      "https://github.com/acme/hello@v1.0.0",
      "https://www.github.com/acme/hello.git@v1.0.0",
      "http://github.com/acme/hello/@v1.0.0",
    ]
  ) {
    assert.deepEqual(parseSource(input), {
      kind: "github",
      user: "acme",
      repo: "hello",
      ref: "v1.0.0",
    }, input);
  }
  assert.deepEqual(parseSource("./plugins/x", { cwd: "/home/me" }), {
    kind: "local",
    path: "/home/me/plugins/x",
  });
  assert.deepEqual(parseSource("file:///srv/my%20plugin@v2"), {
    kind: "local",
    path: "/srv/my plugin",
    ref: "v2",
  });
  assert.throws(() => parseSource("./x"), /absolute path/);
  assert.throws(() => parseSource("https://gitlab.com/acme/hello"), /only GitHub URLs/);
  assert.throws(() => parseSource("https://github.com/acme"), /github.com\/user\/repo/);
  assert.throws(() => parseSource("/srv/x@-evil"), /must not start with '-'/);
});

/** Runs `rungpt plugin <args>` in `cwd` with `--yes` answers; returns code and output. */
async function cli(args: string[], dirs: { pluginsDir: string; dataDir: string; cwd: string }) {
  const out: string[] = [], err: string[] = [];
  const code = await runPluginCommand(args, {
    ...dirs,
    isTerminal: false,
    env: {},
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function writeFiles(dir: string, files: FileMap): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else if (content instanceof Uint8Array) await Deno.writeFile(full, content);
  }
}

Deno.test("install: a plain folder is installed, recorded by path, and re-read by update", async () => {
  await using git = await createGitFixtures();
  const folder = join(git.root, "mine", "hello");
  await writeFiles(
    folder,
    pluginFiles({ version: "1.0.0" }, { "notes.txt": "kept out", ".gitignore": "notes.txt\n" }),
  );
  const dirs = {
    pluginsDir: join(git.root, "plugins"),
    dataDir: join(git.root, "data"),
    cwd: join(git.root, "mine"),
  };

  const first = await cli(["install", "./hello", "--yes"], dirs);
  assert.equal(first.code, 0, first.err);
  const entry = (await readLockfile(dirs.pluginsDir)).plugins.hello;
  assert.equal(entry.source, folder);
  assert.equal(entry.url, `file://${folder}`);
  assert.equal(entry.ref, "snapshot");
  assert.equal(entry.version, "1.0.0");
  // The folder's .gitignore applies, and the installed copy has no git metadata.
  await assert.rejects(Deno.stat(join(dirs.pluginsDir, "hello", "notes.txt")));
  await assert.rejects(Deno.stat(join(dirs.pluginsDir, "hello", ".git")));

  const same = await cli(["update", "hello", "--yes"], dirs);
  assert.equal(same.code, 0, same.err);
  assert.match(same.err, /already up to date/);

  await writeFiles(folder, pluginFiles({ version: "1.1.0" }));
  const next = await cli(["update", "hello", "--yes"], dirs);
  assert.equal(next.code, 0, next.err);
  assert.equal((await readLockfile(dirs.pluginsDir)).plugins.hello.version, "1.1.0");

  const refd = await cli(["install", `${folder}@v1`, "--yes"], dirs);
  assert.equal(refd.code, 1);
  assert.match(refd.err, /not a git repository, so it has no ref "v1"/);
  const missing = await cli(["install", "./nowhere", "--yes"], dirs);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no folder at .*nowhere/);
});

Deno.test("install: a plain folder over the file limit is refused before anything is written", async () => {
  await using git = await createGitFixtures();
  const folder = join(git.root, "big");
  const many: FileMap = {};
  for (let i = 0; i < 30; i++) many[`junk/${i}.txt`] = `${i}`;
  await writeFiles(folder, pluginFiles({}, many));
  const pluginsDir = join(git.root, "plugins");
  const out: string[] = [];
  const code = await runPluginCommand(["install", folder, "--yes"], {
    pluginsDir,
    dataDir: join(git.root, "data"),
    isTerminal: false,
    env: { RUNGPT_PLUGIN_MAX_FILES: "10" },
    stdout: () => {},
    stderr: (l) => out.push(l),
  });
  assert.equal(code, 1);
  assert.match(out.join("\n"), /more than 10 files/);
  assert.deepEqual((await readLockfile(pluginsDir)).plugins, {});
});

Deno.test("install: a local git repository is cloned at its tags; a URL names a GitHub repo", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "hello");
  await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
  await repo.commit(pluginFiles({ version: "2.0.0" }));
  const work = join(git.root, "work", "acme", "hello"); // the fixture's working repository
  const dirs = {
    pluginsDir: join(git.root, "plugins"),
    dataDir: join(git.root, "data"),
    cwd: git.root,
  };

  const r = await cli(["install", `${work}@v1.0.0`, "--yes"], dirs);
  assert.equal(r.code, 0, r.err);
  const entry = (await readLockfile(dirs.pluginsDir)).plugins.hello;
  assert.deepEqual([entry.source, entry.ref, entry.refKind, entry.version], [
    work,
    "v1.0.0",
    "tag",
    "1.0.0",
  ]);

  // A URL of the same repository on another base is another source: refused, not mixed up.
  const out: string[] = [];
  const code = await runPluginCommand(["install", "https://github.com/acme/hello", "--yes"], {
    ...dirs,
    isTerminal: false,
    env: { RUNGPT_GIT_BASE: git.base },
    stdout: () => {},
    stderr: (l) => out.push(l),
  });
  assert.equal(code, 1);
  assert.match(
    out.join("\n"),
    /already installed from file:\/\/.*work\/acme\/hello; remove it first/,
  );
});

Deno.test("install: ./examples/plugins/weather from the checkout, as the docs say", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "rungpt-example-" });
  try {
    const dirs = { pluginsDir: join(tmp, "plugins"), dataDir: join(tmp, "data"), cwd: ROOT };
    const r = await cli(["install", "./examples/plugins/weather", "--yes"], dirs);
    assert.equal(r.code, 0, r.err);
    const entry = (await readLockfile(dirs.pluginsDir)).plugins.weather;
    assert.equal(entry.source, join(ROOT, "examples/plugins/weather"));
    assert.ok(entry.grants.net.hosts.length > 0, "the weather plugin's hosts are granted");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
