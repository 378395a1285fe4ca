/**
 * An install is bounded before the user is asked and before it writes a plugin's files: the
 * download (bytes on disk), the commit's files (total bytes, count) and the time of all its git
 * steps together; each refusal names the limit, the measured value and how to raise it, and
 * leaves the plugins dir and lockfile as they were, with no work dir behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import type { ConsentSummary } from "../../../lib/plugins/consent.ts";
import {
  checkoutCommit,
  cloneRepo,
  GitCancelledError,
  resolveRef,
  runGit,
  TimeBudget,
} from "../../../lib/plugins/git.ts";
import { type InstallOptions, installPlugin } from "../../../lib/plugins/install.ts";
import type { JobEvent } from "../../../lib/plugins/jobs.ts";
import { DEFAULT_REPO_LIMITS, repoLimitsFrom } from "../../../lib/plugins/repo_limits.ts";
import {
  createGitFixtures,
  type FileMap,
  type GitFixtures,
  pluginFiles,
  snapshotDir,
  startStallingRemote,
} from "../../support/git_fixtures.ts";
import { startRungpt } from "../../support/rungpt_server.ts";

const MiB = 1024 * 1024;

interface Ctx {
  git: GitFixtures;
  pluginsDir: string;
  dataDir: string;
  asked: ConsentSummary[];
  steps: string[];
  install(spec: string, over?: Partial<InstallOptions>): ReturnType<typeof installPlugin>;
  /** Commits `files` as v1.0.0 of acme/`repo`. */
  publish(repo: string, files: FileMap): Promise<string>;
  /** Everything in the plugins dir (work dirs, plugins, lockfile). */
  snapshot(): Promise<Record<string, string>>;
}

/** Fixtures with acme/hello installed, so there is a plugin and a lockfile to keep intact. */
async function withCtx(fn: (c: Ctx) => Promise<void>): Promise<void> {
  await using git = await createGitFixtures();
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  const asked: ConsentSummary[] = [];
  const steps: string[] = [];
  const install = (spec: string, over: Partial<InstallOptions> = {}) =>
    installPlugin({
      spec,
      pluginsDir,
      dataDir,
      gitBase: git.base,
      onProgress: (s) => steps.push(s),
      confirm: (s) => (asked.push(s), Promise.resolve(true)),
      ...over,
    });
  const publish = async (repo: string, files: FileMap) =>
    await (await git.createRepo("acme", repo)).commit(files, { tags: ["v1.0.0"] });
  await publish("hello", pluginFiles());
  await install("acme/hello");
  asked.length = 0;
  steps.length = 0;
  await fn({
    git,
    pluginsDir,
    dataDir,
    asked,
    steps,
    install,
    publish,
    snapshot: () => snapshotDir(pluginsDir),
  });
}

/** `n` small files under `dir/`. */
function manyFiles(n: number, dir = "data"): FileMap {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${dir}/f${i}.txt`, `${i}\n`]));
}

Deno.test("install: a commit whose files pass the byte limit is refused unasked, nothing written", async () => {
  await withCtx(async (c) => {
    // 2 MiB of zeros: a few KiB in the pack, 2 MiB on disk once checked out.
    await c.publish("big", pluginFiles({ name: "big" }, { "big.bin": new Uint8Array(2 * MiB) }));
    const before = await c.snapshot();
    await assert.rejects(
      c.install("acme/big", { repoLimits: { maxBytes: MiB } }),
      new RegExp(
        String.raw`^RepoLimitError: acme/big@v1\.0\.0 \([0-9a-f]{12}\): its files total 2 MiB ` +
          String.raw`\(2\d{6} bytes\), over the limit of 1 MiB \(1048576 bytes\); nothing was ` +
          String.raw`written; if you trust this plugin, raise the limit with ` +
          String.raw`RUNGPT_PLUGIN_MAX_BYTES$`,
      ),
    );
    assert.deepEqual(c.asked, [], "the user is not asked");
    assert.ok(!c.steps.some((s) => s.startsWith("checking out")), c.steps.join("; "));
    assert.deepEqual(await c.snapshot(), before);
    // Within a raised limit it installs.
    await c.install("acme/big", { repoLimits: { maxBytes: 3 * MiB } });
    assert.equal((await Deno.stat(join(c.pluginsDir, "big", "big.bin"))).size, 2 * MiB);
  });
});

Deno.test("install: a download that passes the byte limit is stopped", async () => {
  await withCtx(async (c) => {
    // Random bytes do not compress: the pack itself is over the limit.
    const noise = new Uint8Array(3 * MiB);
    for (let i = 0; i < noise.length; i += 65536) {
      crypto.getRandomValues(noise.subarray(i, i + 65536));
    }
    await c.publish("noise", pluginFiles({ name: "noise" }, { "noise.bin": noise }));
    const before = await c.snapshot();
    await assert.rejects(
      c.install("acme/noise", { repoLimits: { maxBytes: MiB } }),
      new RegExp(
        String.raw`^RepoLimitError: the download of file://\S+/acme/noise reached [\d.]+ MiB ` +
          String.raw`\(\d+ bytes\), over the limit of 1 MiB \(1048576 bytes\), and was stopped; ` +
          String.raw`if you trust this plugin, raise the limit with RUNGPT_PLUGIN_MAX_BYTES$`,
      ),
    );
    assert.deepEqual(c.asked, []);
    assert.deepEqual(await c.snapshot(), before);
  });
});

Deno.test("install: a commit with more files than the limit is refused unasked, nothing written", async () => {
  await withCtx(async (c) => {
    await c.publish("crowd", pluginFiles({ name: "crowd" }, manyFiles(200)));
    const before = await c.snapshot();
    await assert.rejects(
      c.install("acme/crowd", { repoLimits: { maxFiles: 50 } }),
      new RegExp(
        String.raw`^RepoLimitError: acme/crowd@v1\.0\.0 \([0-9a-f]{12}\): it has more than 50 ` +
          String.raw`files \(the limit; listing stopped at 51\); nothing was written; if you ` +
          String.raw`trust this plugin, raise the limit with RUNGPT_PLUGIN_MAX_FILES$`,
      ),
    );
    assert.deepEqual(c.asked, []);
    assert.deepEqual(await c.snapshot(), before);
    await c.install("acme/crowd", { repoLimits: { maxFiles: 202 } });
  });
});

Deno.test("cli: RUNGPT_PLUGIN_MAX_FILES and RUNGPT_PLUGIN_MAX_BYTES set the limits", async () => {
  await withCtx(async (c) => {
    await c.publish("crowd", pluginFiles({ name: "crowd" }, manyFiles(20)));
    const before = await c.snapshot();
    const run = async (env: Record<string, string>) => {
      const err: string[] = [];
      const code = await runPluginCommand(["install", "acme/crowd", "--yes"], {
        pluginsDir: c.pluginsDir,
        dataDir: c.dataDir,
        isTerminal: false,
        env: { RUNGPT_GIT_BASE: c.git.base, ...env },
        stdout: () => {},
        stderr: (l) => err.push(l),
      });
      return { code, last: err.at(-1) ?? "" };
    };
    const few = await run({ RUNGPT_PLUGIN_MAX_FILES: "10" });
    assert.equal(few.code, 1);
    assert.match(few.last, /it has more than 10 files .*RUNGPT_PLUGIN_MAX_FILES$/);
    const small = await run({ RUNGPT_PLUGIN_MAX_BYTES: "100" });
    assert.match(small.last, /over the limit of 100 bytes.*RUNGPT_PLUGIN_MAX_BYTES$/);
    const bad = await run({ RUNGPT_PLUGIN_MAX_BYTES: "lots" });
    assert.match(bad.last, /RUNGPT_PLUGIN_MAX_BYTES must be a positive whole number, not "lots"/);
    assert.deepEqual(await c.snapshot(), before);
    assert.equal((await run({ RUNGPT_PLUGIN_MAX_FILES: "22" })).code, 0);
  });
});

Deno.test("repoLimitsFrom: defaults, overrides, and the server's fallback on a bad value", () => {
  assert.deepEqual(repoLimitsFrom({}), DEFAULT_REPO_LIMITS);
  assert.deepEqual(repoLimitsFrom({ RUNGPT_PLUGIN_MAX_BYTES: " 2048 " }), {
    ...DEFAULT_REPO_LIMITS,
    maxBytes: 2048,
  });
  for (const raw of ["0", "-5", "1.5", "1e400", "ten"]) {
    assert.throws(() => repoLimitsFrom({ RUNGPT_PLUGIN_MAX_FILES: raw }), /positive whole number/);
  }
  const warned: string[] = [];
  assert.deepEqual(
    repoLimitsFrom({ RUNGPT_PLUGIN_MAX_FILES: "many" }, (m) => warned.push(m)),
    DEFAULT_REPO_LIMITS,
  );
  assert.deepEqual(warned, [
    `RUNGPT_PLUGIN_MAX_FILES must be a positive whole number, not "many"; using 5000`,
  ]);
});

Deno.test("install: cancelled while it lists the files or checks them out, nothing is left", async () => {
  await withCtx(async (c) => {
    await c.publish("other", pluginFiles({ name: "other" }, manyFiles(20)));
    const before = await c.snapshot();
    for (const step of ["listing the files", "checking out"]) {
      const cancel = new AbortController();
      await assert.rejects(
        c.install("acme/other", {
          signal: cancel.signal,
          onProgress: (s) => s.startsWith(step) && cancel.abort(),
        }),
        /^InstallCancelledError: cancelled: nothing was installed or changed$/,
        step,
      );
      assert.deepEqual(await c.snapshot(), before, step);
    }
  });
});

Deno.test("git steps share one time limit: after a stalled clone used it, a checkout does not start", async () => {
  await using remote = startStallingRemote();
  await using git = await createGitFixtures();
  const commit = await (await git.createRepo("acme", "hello")).commit(pluginFiles());
  const root = await Deno.makeTempDir({ prefix: "rungpt-budget-" });
  try {
    const budget = new TimeBudget(1000);
    await assert.rejects(
      cloneRepo(`${remote.base}/acme/hello`, join(root, "stalled"), { budget }),
      /^GitError: git clone took longer than 1 s and was stopped: the remote is not answering/,
    );
    const local = join(root, "local");
    await cloneRepo(`${git.base}/acme/hello`, local); // a fresh budget of its own
    await assert.rejects(
      checkoutCommit(local, commit, { budget }),
      /^GitError: git checkout was stopped: the clone and the steps after it took longer than 1 s together \(RUNGPT_GIT_TIMEOUT_MS sets the limit\)$/,
    );
    await assert.rejects(resolveRef(local, undefined, { budget }), /took longer than 1 s together/);
    assert.deepEqual([...Deno.readDirSync(local)].map((e) => e.name), [".git"], "nothing written");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runGit: a consumer of stdout that throws stops git with its error; a cancel says so", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "many");
  await repo.commit(manyFiles(1500));
  const stop = new Error("enough");
  let chunks = 0;
  await assert.rejects(
    runGit(["ls-tree", "-r", "HEAD"], {
      cwd: repo.bare,
      onStdout: () => {
        chunks++;
        throw stop;
      },
    }),
    (e) => e === stop,
  );
  assert.equal(chunks, 1);
  const cancel = new AbortController();
  await assert.rejects(
    runGit(["ls-tree", "-r", "HEAD"], {
      cwd: repo.bare,
      signal: cancel.signal,
      onStdout: () => cancel.abort(),
    }),
    GitCancelledError,
  );
});

Deno.test("server: an install job from the browser is held to RUNGPT_PLUGIN_MAX_FILES", async () => {
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "crowd")).commit(
    pluginFiles({ name: "crowd" }, manyFiles(20)),
    { tags: ["v1.0.0"] },
  );
  await using rg = await startRungpt({
    env: { RUNGPT_GIT_BASE: git.base, RUNGPT_PLUGIN_MAX_FILES: "10" },
  });
  const job = rg.server.services.jobs.start({ action: "install", spec: "acme/crowd" });
  const last = await new Promise<JobEvent>((resolve) =>
    rg.server.services.jobs.subscribe(job.id, (e) => {
      if (e.type === "done" || e.type === "error") resolve(e);
    })
  );
  assert.ok(
    last.type === "error" &&
      /it has more than 10 files .*RUNGPT_PLUGIN_MAX_FILES$/.test(last.message),
    JSON.stringify(last),
  );
  assert.ok(!job.events.some((e) => e.type === "consent"), "not asked");
  assert.deepEqual(
    [...Deno.readDirSync(rg.pluginsDir)].filter((e) => e.name.startsWith(".install-")),
    [],
  );
});

Deno.test("cli: plugin check holds a git repository to the install's limits", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-check-limits-" });
  try {
    const files = pluginFiles({ name: "crowd" }, manyFiles(20));
    for (const [path, content] of Object.entries(files)) {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      if (typeof content === "string") await Deno.writeTextFile(join(dir, path), content);
      else await Deno.writeFile(join(dir, path), content as Uint8Array);
    }
    await runGit(["init", "--quiet", "-b", "main"], { cwd: dir });
    await runGit(["add", "-A"], { cwd: dir });
    await runGit(
      ["-c", "user.name=F", "-c", "user.email=f@example.invalid", "commit", "--quiet", "-m", "c"],
      { cwd: dir },
    );
    const check = async (env: Record<string, string>) => {
      const err: string[] = [];
      const code = await runPluginCommand(["check", dir], {
        pluginsDir: join(dir, "no-plugins"),
        dataDir: join(dir, "no-data"),
        isTerminal: false,
        env,
        stdout: () => {},
        stderr: (l) => err.push(l),
      });
      return { code, err: err.join("\n") };
    };
    const few = await check({ RUNGPT_PLUGIN_MAX_FILES: "10" });
    assert.equal(few.code, 1);
    assert.match(
      few.err,
      /^error: install would refuse the commit at HEAD \([0-9a-f]{12}\): it has more than 10 files \(the limit; listing stopped at 11\); nothing was written; if you trust this plugin, raise the limit with RUNGPT_PLUGIN_MAX_FILES$/,
    );
    assert.equal((await check({})).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
