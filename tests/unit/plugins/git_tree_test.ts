/**
 * Reading a commit without checking it out: paths resolve through the commit's own symlinks as
 * a checkout's would, those leaving the repository are refused, and an install reads the
 * manifest and module this way, then installs what it read.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Resolved,
  resolveInTree,
  type Tree,
  type TreeEntry,
} from "../../../lib/plugins/git_tree.ts";
import { installPlugin } from "../../../lib/plugins/install.ts";
import { sha256Hex } from "../../../lib/plugins/lockfile.ts";
import { runGit } from "../../../lib/plugins/git.ts";
import { createGitFixtures, pluginFiles } from "../../support/git_fixtures.ts";

/** A tree of files (`"file"`) and symlinks (`{ link }`), its links read from memory. */
function fakeTree(spec: Record<string, "file" | "submodule" | { link: string }>) {
  const tree: Tree = { entries: new Map(), paths: [], bytes: 0 };
  const targets = new Map<string, string>();
  for (const [path, what] of Object.entries(spec)) {
    const object = path; // stands in for the object id
    const mode = what === "file" ? "100644" : what === "submodule" ? "160000" : "120000";
    const size = typeof what === "object" ? what.link.length : 1;
    if (typeof what === "object") targets.set(object, what.link);
    tree.entries.set(path, { mode, object, size });
  }
  tree.paths = [...tree.entries.keys()].sort();
  const readLink = (e: TreeEntry) =>
    Promise.resolve(new TextEncoder().encode(targets.get(e.object)));
  return (rel: string) => resolveInTree(tree, rel, readLink);
}

/** The resolved path, or what went wrong. */
function outcome(r: Resolved): string {
  return r.found === "file" ? r.path : r.found;
}

Deno.test("resolveInTree follows symlinks inside the commit and refuses the rest", async () => {
  const resolve = fakeTree({
    "rungpt.yaml": "file",
    "build/plugin.wasm": "file",
    "link.wasm": { link: "build/plugin.wasm" },
    "dist": { link: "build" },
    "up/back.wasm": { link: "../build/plugin.wasm" },
    "abs.wasm": { link: "/etc/passwd" },
    "escape.wasm": { link: "../outside.wasm" },
    "deep/escape.wasm": { link: "../../x" },
    "loop.wasm": { link: "loop2.wasm" },
    "loop2.wasm": { link: "loop.wasm" },
    "dangling.wasm": { link: "nowhere.wasm" },
    "dirlink": { link: "build/" },
    "vendor/lib": "submodule",
  });
  const cases: [string, string][] = [
    ["rungpt.yaml", "rungpt.yaml"],
    ["./build/../build/plugin.wasm", "build/plugin.wasm"],
    ["link.wasm", "build/plugin.wasm"],
    ["dist/plugin.wasm", "build/plugin.wasm"],
    ["dirlink/plugin.wasm", "build/plugin.wasm"],
    ["up/back.wasm", "build/plugin.wasm"],
    ["abs.wasm", "outside"],
    ["escape.wasm", "outside"],
    ["deep/escape.wasm", "outside"],
    ["loop.wasm", "loop"],
    ["dangling.wasm", "missing"],
    ["missing.wasm", "missing"],
    ["build", "not-a-file"],
    ["dist", "not-a-file"],
    ["rungpt.yaml/x", "not-a-file"],
    ["vendor/lib", "not-a-file"],
    ["vendor/lib/x.wasm", "not-a-file"],
    ["nodir/x.wasm", "missing"],
  ];
  for (const [rel, expected] of cases) assert.equal(outcome(await resolve(rel)), expected, rel);
});

Deno.test("install reads manifest and module through in-repo symlinks; an LFS pointer is refused", async () => {
  await using git = await createGitFixtures();
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  const files = pluginFiles({ name: "linked", wasm: "dist/plugin.wasm" });
  const repo = await git.createRepo("acme", "linked");
  await repo.commit({
    "meta/rungpt.yaml": files["rungpt.yaml"],
    "rungpt.yaml": { symlink: "meta/rungpt.yaml" },
    "build/plugin.wasm": files["plugin.wasm"],
    "dist": { symlink: "build" },
  }, { tags: ["v1.0.0"] });
  const install = (spec: string) =>
    installPlugin({
      spec,
      pluginsDir,
      dataDir,
      gitBase: git.base,
      confirm: () => Promise.resolve(true),
    });
  const { entry } = await install("acme/linked");
  assert.equal(entry.wasmSha256, await sha256Hex(files["plugin.wasm"] as Uint8Array));
  assert.ok((await Deno.lstat(join(pluginsDir, "linked", "dist"))).isSymlink);

  const lfs = await git.createRepo("acme", "lfs");
  await lfs.commit({
    ...pluginFiles({ name: "lfs" }),
    "plugin.wasm": "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n",
  }, { tags: ["v1.0.0"] });
  await assert.rejects(
    install("acme/lfs"),
    /rungpt\.yaml: wasm: "plugin\.wasm" is a Git LFS pointer, not the module: install does not fetch LFS files; commit the module itself/,
  );
});

Deno.test("install writes each file as its blob, whatever .gitattributes asks for", async () => {
  await using git = await createGitFixtures();
  const pluginsDir = join(git.root, "plugins");
  const text = "line one\nline two\n";
  const repo = await git.createRepo("acme", "attrs");
  await repo.commit({
    ...pluginFiles({ name: "attrs" }),
    ".gitattributes": "* text eol=crlf ident\n",
    "notes.txt": text,
  }, { tags: ["v1.0.0"] });
  await installPlugin({
    spec: "acme/attrs",
    pluginsDir,
    dataDir: join(git.root, "data"),
    gitBase: git.base,
    confirm: () => Promise.resolve(true),
  });
  assert.equal(await Deno.readTextFile(join(pluginsDir, "attrs", "notes.txt")), text);
});

Deno.test("the checkout ignores the user's global git configuration: its post-checkout hook does not run", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "plain");
  await repo.commit(pluginFiles({ name: "plain" }), { tags: ["v1.0.0"] });
  const hooks = join(git.root, "hooks");
  const marker = join(git.root, "hook-ran");
  await Deno.mkdir(hooks);
  await Deno.writeTextFile(join(hooks, "post-checkout"), `#!/bin/sh\ntouch '${marker}'\n`);
  await Deno.chmod(join(hooks, "post-checkout"), 0o755);
  const config = join(git.root, "gitconfig");
  await Deno.writeTextFile(
    config,
    `[core]\n\thooksPath = ${hooks}\n`,
  );
  const saved = Deno.env.get("GIT_CONFIG_GLOBAL");
  Deno.env.set("GIT_CONFIG_GLOBAL", config);
  try {
    await installPlugin({
      spec: "acme/plain",
      pluginsDir: join(git.root, "plugins"),
      dataDir: join(git.root, "data"),
      gitBase: git.base,
      confirm: () => Promise.resolve(true),
    });
  } finally {
    if (saved === undefined) Deno.env.delete("GIT_CONFIG_GLOBAL");
    else Deno.env.set("GIT_CONFIG_GLOBAL", saved);
  }
  assert.equal(await Deno.lstat(marker).then(() => "ran", () => "not run"), "not run");
});

/** Runs git in `cwd` with `input` on stdin (git_fixtures' runGit gives git no stdin); stdout. */
async function gitWithInput(cwd: string, args: string[], input: string): Promise<string> {
  const child = new Deno.Command("git", { args, cwd, stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, `git ${args.join(" ")}`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("install refuses a commit with a path longer than a checkout can write", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "deep");
  await repo.commit(pluginFiles({ name: "deep" }));
  // Folders nested 20 deep, 250 characters each: a 5000-byte path, made from git objects
  // (no filesystem would hold it).
  const blob = await gitWithInput(repo.bare, ["hash-object", "-w", "--stdin"], "x\n");
  let entry = `100644 blob ${blob}\tfile.txt\n`;
  for (let i = 0; i < 20; i++) {
    const tree = await gitWithInput(repo.bare, ["mktree"], entry);
    entry = `040000 tree ${tree}\t${String(i).padStart(250, "d")}\n`;
  }
  const base = await runGit(["ls-tree", "main"], { cwd: repo.bare });
  const root = await gitWithInput(repo.bare, ["mktree"], `${base}\n${entry}`);
  const commit = await runGit(
    ["-c", "user.name=F", "-c", "user.email=f@example.invalid", "commit-tree", root, "-m", "deep"],
    { cwd: repo.bare },
  );
  await runGit(["tag", "v1.0.0", commit], { cwd: repo.bare });
  const pluginsDir = join(git.root, "plugins");
  await assert.rejects(
    installPlugin({
      spec: "acme/deep",
      pluginsDir,
      dataDir: join(git.root, "data"),
      gitBase: git.base,
      confirm: () => Promise.reject(new Error("must not be asked")),
    }),
    /^RepoLimitError: acme\/deep@v1\.0\.0 \([0-9a-f]{12}\): a path is longer than 4096 bytes, more than a checkout can write; nothing was written$/,
  );
  assert.deepEqual([...Deno.readDirSync(pluginsDir)].map((e) => e.name), []);
});
