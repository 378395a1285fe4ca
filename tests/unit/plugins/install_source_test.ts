/**
 * The lockfile records the full clone URL a plugin came from, and updates fetch from it: a
 * RUNGPT_GIT_BASE that points elsewhere later is reported, not followed, unless the update is
 * asked to move the source (which always asks for consent). Old lockfiles read as installed
 * from the default base.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import type { ConsentSummary } from "../../../lib/plugins/consent.ts";
import { installPlugin, updatePlugin } from "../../../lib/plugins/install.ts";
import { lockfilePath, readLockfile, writeLockfile } from "../../../lib/plugins/lockfile.ts";
import { createGitFixtures, pluginFiles } from "../../support/git_fixtures.ts";

Deno.test("lockfile: an entry without a clone URL reads as installed from https://github.com", async () => {
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-lock-" });
  try {
    const old = {
      source: "acme/hello",
      ref: "v1.0.0",
      refKind: "tag",
      pinned: false,
      commit: "a".repeat(40),
      version: "1.0.0",
      wasmSha256: "b".repeat(64),
      installedAt: new Date(0).toISOString(),
      enabled: true,
      grants: { apis: [], net: { hosts: [], allowPrivate: false }, fs: [], secrets: [] },
    };
    await Deno.writeTextFile(
      lockfilePath(pluginsDir),
      JSON.stringify({ lockfileVersion: 1, plugins: { hello: old } }),
    );
    const lock = await readLockfile(pluginsDir);
    assert.equal(lock.plugins.hello.url, "https://github.com/acme/hello");
    await writeLockfile(pluginsDir, lock);
    const written = JSON.parse(await Deno.readTextFile(lockfilePath(pluginsDir)));
    assert.equal(written.plugins.hello.url, "https://github.com/acme/hello");
  } finally {
    await Deno.remove(pluginsDir, { recursive: true });
  }
});

Deno.test("update: fetches from the recorded URL; moving the source is explicit and asks", async () => {
  // Two hosts with a repository acme/hello each: the one it was installed from, and another.
  await using origin = await createGitFixtures();
  await using other = await createGitFixtures();
  const original = await origin.createRepo("acme", "hello");
  await original.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
  await (await other.createRepo("acme", "hello")).commit(
    pluginFiles({ version: "9.0.0", description: "Someone else's hello" }),
    { tags: ["v9.0.0"] },
  );
  const pluginsDir = join(origin.root, "plugins");
  const asked: ConsentSummary[] = [];
  const steps: string[] = [];
  const common = {
    pluginsDir,
    dataDir: join(origin.root, "data"),
    onProgress: (s: string) => steps.push(s),
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(true)),
  };
  const originUrl = `${origin.base}/acme/hello`, otherUrl = `${other.base}/acme/hello`;
  await installPlugin({ ...common, spec: "acme/hello", gitBase: origin.base });
  assert.equal((await readLockfile(pluginsDir)).plugins.hello.url, originUrl);
  assert.equal(asked[0].url, originUrl);

  // RUNGPT_GIT_BASE now points at the other host: the update still fetches from the origin.
  await original.commit(pluginFiles({ version: "1.1.0" }), { tags: ["v1.1.0"] });
  const r = await updatePlugin("hello", { ...common, gitBase: other.base });
  assert.equal(r.entry.version, "1.1.0");
  assert.equal(r.entry.url, originUrl);
  assert.equal(asked.length, 1, "an update asking for nothing new does not ask");
  assert.ok(
    steps.some((s) =>
      s === `RUNGPT_GIT_BASE points at ${otherUrl}, but hello was installed from ${originUrl}: ` +
          "updating from there (--move-source would move it)"
    ),
    steps.join("\n"),
  );
  assert.ok(steps.includes(`cloning ${originUrl}`));

  // An install of the same name from the other host is refused, naming both.
  await assert.rejects(
    installPlugin({ ...common, spec: "acme/hello", gitBase: other.base }),
    new RegExp(
      `a plugin named "hello" is already installed from ${originUrl}; remove it first to install ${otherUrl}, or move it with "rungpt plugin update hello --move-source"`,
    ),
  );

  // Moving is explicit, and asks even though the new version asks for nothing new.
  const refuse = {
    ...common,
    confirm: (s: ConsentSummary) => (asked.push(s), Promise.resolve(false)),
  };
  await assert.rejects(
    updatePlugin("hello", { ...refuse, gitBase: other.base, moveSource: true }),
    /not confirmed/,
  );
  assert.equal(asked.at(-1)?.update?.movedFrom, originUrl);
  assert.equal(asked.at(-1)?.update?.needsConsent, true);
  assert.equal((await readLockfile(pluginsDir)).plugins.hello.url, originUrl, "nothing changed");
  const moved = await updatePlugin("hello", { ...common, gitBase: other.base, moveSource: true });
  assert.deepEqual([moved.entry.url, moved.entry.version], [otherUrl, "9.0.0"]);
  await assert.rejects(
    updatePlugin("hello", { ...common, moveSource: true }),
    /--move-source needs RUNGPT_GIT_BASE set to the base to move hello to/,
  );
});

Deno.test("cli: update says where it fetches from; --move-source shows the move and asks", async () => {
  await using origin = await createGitFixtures();
  await using other = await createGitFixtures();
  await (await origin.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  await (await other.createRepo("acme", "hello")).commit(pluginFiles({ version: "2.0.0" }), {
    tags: ["v2.0.0"],
  });
  const dirs = { pluginsDir: join(origin.root, "plugins"), dataDir: join(origin.root, "data") };
  const run = async (args: string[], base: string) => {
    const out: string[] = [], err: string[] = [];
    const code = await runPluginCommand(args, {
      ...dirs,
      isTerminal: false,
      env: { RUNGPT_GIT_BASE: base },
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  assert.equal((await run(["install", "acme/hello", "--yes"], origin.base)).code, 0);
  let r = await run(["update", "hello"], other.base);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /RUNGPT_GIT_BASE points at .*, but hello was installed from /);
  assert.match(
    r.out,
    new RegExp(`^hello 1\\.0\\.0 is up to date with ${origin.base}/acme/hello \\(v1\\.0\\.0, `),
  );
  r = await run(["update", "hello", "--move-source"], other.base);
  assert.equal(r.code, 1);
  assert.match(r.err, /re-run with --yes to confirm/);
  assert.match(r.out, new RegExp(`moved: +was installed from ${origin.base}/acme/hello`));
  r = await run(["update", "hello", "--move-source", "--yes"], other.base);
  assert.equal(r.code, 0, r.err);
  r = await run(["info", "hello"], other.base);
  assert.match(r.out, new RegExp(`source: +${other.base}/acme/hello @ v2\\.0\\.0`));
});

Deno.test("a blank RUNGPT_GIT_BASE counts as unset: no clone from /user/repo on this machine", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "hello")).commit(pluginFiles(), { tags: ["v1.0.0"] });
  const pluginsDir = join(git.root, "plugins");
  const common = {
    pluginsDir,
    dataDir: join(git.root, "data"),
    confirm: () => Promise.resolve(true),
  };
  // The server passes RUNGPT_GIT_BASE as it is, so "" when it is set empty.
  const stop = new AbortController();
  const steps: string[] = [];
  await assert.rejects(
    installPlugin({
      ...common,
      spec: "acme/hello",
      gitBase: "",
      signal: stop.signal,
      onProgress: (s) => {
        steps.push(s);
        stop.abort(); // before the clone: nothing is fetched from anywhere
      },
    }),
    /cancelled/,
  );
  const fallback = Deno.env.get("RUNGPT_GIT_BASE")?.trim() || "https://github.com";
  assert.deepEqual(steps, [`cloning ${fallback}/acme/hello`]);

  // An update with a blank base fetches from the recorded URL and says nothing of a move.
  await installPlugin({ ...common, spec: "acme/hello", gitBase: git.base });
  const updateSteps: string[] = [];
  const r = await updatePlugin("hello", {
    ...common,
    gitBase: " ",
    onProgress: (s) => updateSteps.push(s),
  });
  assert.equal(r.entry.url, `${git.base}/acme/hello`);
  assert.ok(!updateSteps.some((s) => s.includes("RUNGPT_GIT_BASE")), updateSteps.join("\n"));
});
