import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConsentSummary } from "../../../lib/plugins/consent.ts";
import {
  ConsentRefusedError,
  type InstallOptions,
  installPlugin,
  removePlugin,
  updatePlugin,
} from "../../../lib/plugins/install.ts";
import {
  configPath,
  getPluginConfig,
  listInstalled,
  loadInstalled,
  setEnabled,
  setPluginConfig,
} from "../../../lib/plugins/installed.ts";
import { runGit } from "../../../lib/plugins/git.ts";
import { readLockfile, sha256Hex, verifyPlugin } from "../../../lib/plugins/lockfile.ts";
import {
  buildWasm,
  createGitFixtures,
  type GitFixtures,
  pluginFiles,
  snapshotDir,
} from "../../support/git_fixtures.ts";

interface Ctx {
  git: GitFixtures;
  pluginsDir: string;
  dataDir: string;
  asked: ConsentSummary[];
  steps: string[];
  /** installPlugin with the fixtures' base and a recording confirm (answer `yes`). */
  install(spec: string, over?: Partial<InstallOptions>): ReturnType<typeof installPlugin>;
  update(
    name: string,
    over?: Partial<InstallOptions> & { ref?: string },
  ): ReturnType<typeof updatePlugin>;
}

async function withCtx(fn: (c: Ctx) => Promise<void>): Promise<void> {
  const git = await createGitFixtures();
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  const asked: ConsentSummary[] = [];
  const steps: string[] = [];
  const common = {
    pluginsDir,
    dataDir,
    gitBase: git.base,
    onProgress: (s: string) => steps.push(s),
    confirm: (s: ConsentSummary) => {
      asked.push(s);
      return Promise.resolve(true);
    },
  };
  try {
    await fn({
      git,
      pluginsDir,
      dataDir,
      asked,
      steps,
      install: (spec, over = {}) => installPlugin({ ...common, spec, ...over }),
      update: (name, over = {}) => updatePlugin(name, { ...common, ...over }),
    });
  } finally {
    await git.cleanup();
  }
}

const WEATHER = {
  name: "weather",
  apis: ["rungpt:net", "rungpt:config"],
  permissions: { net: { hosts: ["api.weather.test"] } },
  config: {
    api_key: { type: "string", secret: true },
    units: { type: "string", default: "metric" },
  },
  actions: [{ name: "forecast", description: "Forecast for a city" }],
};

Deno.test("install picks the highest semver tag and records it in the lockfile", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "weather");
    await repo.commit(pluginFiles({ ...WEATHER, version: "1.0.0" }), { tags: ["v1.0.0"] });
    const c2 = await repo.commit(pluginFiles({ ...WEATHER, version: "1.3.0" }), {
      annotatedTags: ["v1.3.0"],
    });
    await repo.commit(pluginFiles({ ...WEATHER, version: "1.4.0-rc.1" }), {
      tags: ["v1.3.0-rc.1"],
    });
    await repo.commit(pluginFiles({ ...WEATHER, version: "9.9.9" }), { tags: ["nightly", "v2"] });

    const r = await c.install("acme/weather");
    assert.equal(r.name, "weather");
    assert.equal(r.entry.ref, "v1.3.0");
    assert.equal(r.entry.refKind, "tag");
    assert.equal(r.entry.commit, c2);
    assert.equal(r.entry.version, "1.3.0");

    // The summary shown for consent lists what the plugin gets.
    assert.equal(c.asked.length, 1);
    const s = c.asked[0];
    assert.deepEqual(s.apis, ["rungpt:net", "rungpt:config"]);
    assert.deepEqual(s.hosts, ["api.weather.test"]);
    assert.deepEqual(s.secrets, ["api_key"]);
    assert.deepEqual(s.settings, ["units"]);
    assert.deepEqual(s.actions.map((a) => a.name), ["forecast"]);
    assert.equal(s.source, "acme/weather");
    assert.equal(s.update, undefined);
    assert.ok(c.steps.some((x) => x.startsWith("cloning file://")), c.steps.join("|"));
    assert.ok(c.steps.includes("validating module"));

    const lock = await readLockfile(c.pluginsDir);
    const e = lock.plugins.weather;
    const wasm = await Deno.readFile(join(c.pluginsDir, "weather", "plugin.wasm"));
    assert.deepEqual({ ...e, installedAt: "x" }, {
      source: "acme/weather",
      url: `${c.git.base}/acme/weather`,
      ref: "v1.3.0",
      refKind: "tag",
      pinned: false,
      commit: c2,
      version: "1.3.0",
      wasmSha256: await sha256Hex(wasm),
      installedAt: "x",
      enabled: true,
      grants: {
        apis: ["rungpt:net", "rungpt:config"],
        net: { hosts: ["api.weather.test"], allowPrivate: false },
        fs: [],
        secrets: ["api_key"],
      },
    });
    assert.ok(!Number.isNaN(Date.parse(e.installedAt)));
    // No .git, no leftover temp dirs (the empty .plugins.lock is the cross-process lock).
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(c.pluginsDir))).map((d) => d.name).sort(),
      [".plugins.lock", "rungpt.lock.json", "weather"],
    );
    await assert.rejects(Deno.stat(join(c.pluginsDir, "weather", ".git")), Deno.errors.NotFound);
  });
});

Deno.test("install an explicit tag, branch or commit; no tags means the default branch", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "hello");
    const t1 = await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
    const head = await repo.commit(pluginFiles({ version: "1.1.0" }));
    const dev = await repo.commit(pluginFiles({ version: "3.0.0-dev" }), { branch: "dev" });

    let r = await c.install("acme/hello@v1.0.0");
    assert.deepEqual([r.entry.ref, r.entry.refKind, r.entry.commit, r.entry.pinned], [
      "v1.0.0",
      "tag",
      t1,
      true,
    ]);
    r = await c.install("acme/hello@dev");
    assert.deepEqual([r.entry.ref, r.entry.refKind, r.entry.commit, r.entry.version], [
      "dev",
      "branch",
      dev,
      "3.0.0-dev",
    ]);
    r = await c.install(`acme/hello@${head}`);
    assert.deepEqual([r.entry.ref, r.entry.refKind, r.entry.commit], [head, "commit", head]);
    // An abbreviated id, as `git log --oneline` shows it, is recorded in full.
    r = await c.install(`acme/hello@${t1.slice(0, 7)}`);
    assert.deepEqual([r.entry.ref, r.entry.refKind, r.entry.commit], [t1, "commit", t1]);
    await assert.rejects(
      c.install(`acme/hello@${t1.slice(0, 6)}`),
      /ref "[0-9a-f]{6}" not found: .* \(an abbreviated commit id needs at least 7 hex digits\)/,
    );
    // A prefix of a tree or blob id is not a commit.
    const tree = await runGit(["rev-parse", `${head}^{tree}`], { cwd: repo.bare });
    await assert.rejects(c.install(`acme/hello@${tree.slice(0, 12)}`), /not found/);
    await assert.rejects(c.install("acme/hello@nope"), /ref "nope" not found/);
    await assert.rejects(
      c.install(`acme/hello@${"f".repeat(40)}`),
      /ref "f{40}" not found/,
    );
    // Two commits whose ids share the first 7 digits (found offline; commit ids are a hash
    // of tree, author, date and message): the abbreviation names neither.
    const env = {
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_AUTHOR_DATE: "1700000000 +0000",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_COMMITTER_DATE: "1700000000 +0000",
    };
    const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    for (const release of [11195, 15320]) {
      const twin = await runGit(["commit-tree", emptyTree, "-m", `release ${release}`], {
        cwd: repo.bare,
        env,
      });
      await runGit(["update-ref", `refs/heads/twin-${release}`, twin], { cwd: repo.bare });
    }
    await assert.rejects(
      c.install("acme/hello@121e6fa"),
      /ref "121e6fa" is ambiguous: 2 commits start with it; give more digits/,
    );
    // One more digit tells them apart (that commit has no plugin in it, which is the next error).
    await assert.rejects(c.install("acme/hello@121e6faa"), /rungpt\.yaml/);

    const plain = await c.git.createRepo("acme", "untagged");
    const main = await plain.commit(pluginFiles({ name: "untagged" }), { tags: ["not-semver"] });
    r = await c.install("acme/untagged");
    assert.deepEqual([r.entry.ref, r.entry.refKind, r.entry.commit], ["main", "branch", main]);
  });
});

Deno.test("update: newer tag without new permissions proceeds; more permissions ask again", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "weather");
    await repo.commit(pluginFiles({ ...WEATHER, version: "1.0.0" }), { tags: ["v1.0.0"] });
    await c.install("acme/weather");
    await setPluginConfig(c.pluginsDir, "weather", { units: "imperial", api_key: "k" });
    await setEnabled(c.pluginsDir, "weather", false);

    await repo.commit(pluginFiles({ ...WEATHER, version: "1.1.0" }), { tags: ["v1.1.0"] });
    c.asked.length = 0;
    let r = await c.update("weather");
    assert.equal(r.entry.version, "1.1.0");
    assert.equal(r.previousVersion, "1.0.0");
    assert.equal(c.asked.length, 0, "no new permissions: no prompt");
    assert.equal(r.entry.enabled, false, "enabled state survives an update");
    assert.deepEqual(await getPluginConfig(c.pluginsDir, "weather"), {
      api_key: "k",
      units: "imperial",
    });

    // v2 wants another host and fs access.
    const more = {
      ...WEATHER,
      version: "2.0.0",
      apis: [...WEATHER.apis, "rungpt:fs"],
      permissions: {
        net: { hosts: ["api.weather.test", "tracker.test"] },
        fs: [{ path: "cache", access: "read-write" }],
      },
    };
    await repo.commit(pluginFiles(more), { tags: ["v2.0.0"] });
    const before = await snapshotDir(c.pluginsDir);
    await assert.rejects(
      c.update("weather", { confirm: (s) => (c.asked.push(s), Promise.resolve(false)) }),
      ConsentRefusedError,
    );
    assert.equal(c.asked.length, 1);
    const added = c.asked[0].update!.added;
    assert.deepEqual(added.apis, ["rungpt:fs"]);
    assert.deepEqual(added.hosts, ["tracker.test"]);
    assert.deepEqual(added.fs, [{ path: "cache", access: "read-write" }]);
    assert.equal(c.asked[0].update!.previousVersion, "1.1.0");
    assert.deepEqual(await snapshotDir(c.pluginsDir), before, "refusal keeps the old version");
    assert.equal((await loadInstalled(c.pluginsDir, "weather")).manifest.version, "1.1.0");

    r = await c.update("weather");
    assert.equal(r.entry.version, "2.0.0");
    assert.deepEqual(r.entry.grants.net.hosts, ["api.weather.test", "tracker.test"]);
    assert.equal(c.asked.length, 2);

    // An explicit older ref is honoured.
    r = await c.update("weather", { ref: "v1.0.0" });
    assert.equal(r.entry.version, "1.0.0");
    assert.equal(r.entry.pinned, true);
  });
});

Deno.test("update follows a branch it was installed from", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
    await repo.commit(pluginFiles({ version: "1.1.0-dev" }), { branch: "dev" });
    await c.install("acme/hello@dev");
    const next = await repo.commit(pluginFiles({ version: "1.2.0-dev" }), { branch: "dev" });
    const r = await c.update("hello");
    assert.deepEqual([r.entry.ref, r.entry.commit, r.entry.version], ["dev", next, "1.2.0-dev"]);
    await assert.rejects(c.update("nothere"), /plugin nothere is not installed/);
  });
});

Deno.test("update with nothing newer changes nothing; a damaged install is reinstalled", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
    const first = (await c.install("acme/hello")).entry;
    const before = await snapshotDir(c.pluginsDir);
    c.asked.length = 0;
    let r = await c.update("hello");
    assert.equal(r.unchanged, true);
    assert.deepEqual(r.entry, first);
    assert.equal(c.asked.length, 0);
    assert.deepEqual(await snapshotDir(c.pluginsDir), before, "nothing was swapped or rewritten");

    // The same commit, but the installed module was altered: the update puts it right.
    const wasm = join(c.pluginsDir, "hello", "plugin.wasm");
    await Deno.writeFile(wasm, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    r = await c.update("hello");
    assert.equal(r.unchanged, undefined);
    assert.equal(r.entry.commit, first.commit);
    assert.equal(await sha256Hex(await Deno.readFile(wasm)), first.wasmSha256);
    await verifyPlugin(c.pluginsDir, "hello");
  });
});

Deno.test("remove deletes the plugin dir, lock entry and settings", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "weather");
    await repo.commit(pluginFiles({ ...WEATHER }), { tags: ["v1.0.0"] });
    const hello = await c.git.createRepo("acme", "hello");
    await hello.commit(pluginFiles({}), { tags: ["v1.0.0"] });
    await c.install("acme/weather");
    await c.install("acme/hello");
    await setPluginConfig(c.pluginsDir, "weather", { api_key: "secret" });
    await removePlugin("weather", { pluginsDir: c.pluginsDir, dataDir: c.dataDir });
    assert.deepEqual(Object.keys((await readLockfile(c.pluginsDir)).plugins), ["hello"]);
    await assert.rejects(Deno.stat(join(c.pluginsDir, "weather")), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(configPath(c.pluginsDir, "weather")), Deno.errors.NotFound);
    assert.deepEqual((await listInstalled(c.pluginsDir)).map((p) => p.name), ["hello"]);
    await assert.rejects(
      removePlugin("weather", { pluginsDir: c.pluginsDir, dataDir: c.dataDir }),
      /plugin weather is not installed/,
    );
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(c.pluginsDir))).map((d) => d.name).sort(),
      [".config", ".plugins.lock", "hello", "rungpt.lock.json"],
    );
  });
});

Deno.test("listInstalled, setEnabled, loadInstalled and hash verification", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "weather");
    await repo.commit(pluginFiles({ ...WEATHER }), { tags: ["v1.0.0"] });
    await c.install("acme/weather");
    let [p] = await listInstalled(c.pluginsDir);
    assert.equal(p.name, "weather");
    assert.equal(p.enabled, true);
    assert.equal(p.manifest?.version, "1.0.0");
    assert.equal(p.wasmPath, join(c.pluginsDir, "weather", "plugin.wasm"));
    assert.equal(p.error, null);

    await setEnabled(c.pluginsDir, "weather", false);
    [p] = await listInstalled(c.pluginsDir);
    assert.equal(p.enabled, false);
    await assert.rejects(setEnabled(c.pluginsDir, "ghost", true), /plugin ghost is not installed/);

    const loaded = await loadInstalled(c.pluginsDir, "weather");
    assert.equal(loaded.enabled, false);
    assert.deepEqual(loaded.grants.net.hosts, ["api.weather.test"]);
    assert.deepEqual(loaded.wasmBytes, await Deno.readFile(p.wasmPath!));

    // Tamper with the module.
    const bytes = buildWasm({ exports: ["forecast", "extra"] });
    await Deno.writeFile(p.wasmPath!, bytes);
    const expected = p.lock.wasmSha256, found = await sha256Hex(bytes);
    const msg = `plugin weather's module changed since install: expected sha256 ${expected}, ` +
      `found ${found}; reinstall it`;
    await assert.rejects(verifyPlugin(c.pluginsDir, "weather"), (e: Error) => e.message === msg);
    await assert.rejects(loadInstalled(c.pluginsDir, "weather"), /module changed since install/);
    await assert.rejects(loadInstalled(c.pluginsDir, "ghost"), /plugin ghost is not installed/);
  });
});

Deno.test("plugin settings: validated against the manifest, stored 0600", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "weather");
    const config = {
      ...WEATHER.config,
      units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
      days: { type: "number", default: 3 },
      verbose: { type: "boolean" },
    };
    await repo.commit(pluginFiles({ ...WEATHER, config }), { tags: ["v1.0.0"] });
    await c.install("acme/weather");
    const dir = c.pluginsDir;
    assert.deepEqual(await getPluginConfig(dir, "weather"), { units: "metric", days: 3 });
    assert.deepEqual(await setPluginConfig(dir, "weather", { api_key: "sk-1", days: 5 }), {
      api_key: "sk-1",
      units: "metric",
      days: 5,
    });
    assert.equal((await Deno.stat(configPath(dir, "weather"))).mode! & 0o777, 0o600);
    await assert.rejects(setPluginConfig(dir, "weather", { days: "5" }), /days must be a number/);
    await assert.rejects(setPluginConfig(dir, "weather", { units: "kelvin" }), /one of "metric"/);
    await assert.rejects(
      setPluginConfig(dir, "weather", { nope: 1 }),
      /declares no setting "nope"/,
    );
    await assert.rejects(setPluginConfig(dir, "weather", { verbose: 1 }), /must be a boolean/);
    await assert.rejects(setPluginConfig(dir, "ghost", { a: 1 }), /ghost is not installed/);
    assert.deepEqual(await setPluginConfig(dir, "weather", { days: null, verbose: true }), {
      api_key: "sk-1",
      units: "metric",
      days: 3,
      verbose: true,
    });
  });
});

Deno.test("a failing install leaves the plugins dir byte-identical", async () => {
  await withCtx(async (c) => {
    // Something already installed, so there is state to preserve.
    const ok = await c.git.createRepo("acme", "hello");
    await ok.commit(pluginFiles({}), { tags: ["v1.0.0"] });
    await c.install("acme/hello");
    await setPluginConfig(c.pluginsDir, "hello", {});
    const before = await snapshotDir(c.pluginsDir);

    const bad = await c.git.createRepo("acme", "bad");
    const outside = join(c.git.root, "outside.wasm");
    await Deno.writeFile(outside, buildWasm({ exports: ["greet"] }));
    const cases: [string, Record<string, string | Uint8Array | { symlink: string }>, RegExp][] = [
      ["missing manifest", { "plugin.wasm": buildWasm() }, /rungpt\.yaml: not found/],
      [
        "missing field",
        { ...pluginFiles({ name: "bad" }), "rungpt.yaml": "name: bad\nversion: 1.0.0\n" },
        /description: .*wasm: /,
      ],
      ["bad name", pluginFiles({ name: "Bad!" }), /name: must match/],
      ["wasm via ..", pluginFiles({ name: "bad", wasm: "../x.wasm" }), /wasm: must not contain/],
      [
        "wasm via symlink",
        { ...pluginFiles({ name: "bad", wasm: "link.wasm" }), "link.wasm": { symlink: outside } },
        /wasm: "link\.wasm" resolves outside the plugin directory/,
      ],
      [
        "unknown builtin",
        pluginFiles({ name: "bad", apis: ["rungpt:exec"] }),
        /unknown built-in API/,
      ],
      [
        "bad host",
        pluginFiles({ name: "bad", permissions: { net: { hosts: ["http://x.test/"] } } }),
        /hosts\.0: .*without scheme/,
      ],
      [
        "undeclared import",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({
            imports: [["extism:host/env", "input_length"], ["rungpt:net", "request"]],
            exports: ["greet"],
          }),
        },
        /module imports "rungpt:net" \(request\), not declared in rungpt\.yaml apis/,
      ],
      [
        "imports AssemblyScript adds, which no manifest can declare",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({
            imports: [["env", "seed"], ["env", "console.log"], ["env", "trace"]],
            exports: ["greet"],
          }),
        },
        new RegExp(
          String.raw`module imports "env" \(seed\), "env" \(console\.log\), "env" \(trace\), ` +
            String.raw`which rungpt does not provide: a module may import only extism:host/env, ` +
            String
              .raw`wasi_snapshot_preview1 and the <namespace>:<api> modules listed in rungpt\.yaml apis ` +
            String.raw`\(env\.seed is AssemblyScript's Math\.random\(\), and plugins get no ` +
            String.raw`random source; AssemblyScript's console\.\*\(\) and trace\(\) import env ` +
            String.raw`functions: log with the SDK's logInfo\(\) and the like \(rungpt:log\)\)$`,
        ),
      ],
      [
        "an AssemblyScript import without @external",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({ imports: [["index", "upper"]], exports: ["greet"] }),
        },
        /"index" \(upper\), which rungpt does not provide: .*\(an AssemblyScript "declare function" without @external\("<plugin>:<api>", "upper"\) is imported from its file's module, "index"\)$/,
      ],
      [
        "WASI before preview 1",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({
            imports: [["wasi_unstable", "fd_write"]],
            exports: ["greet"],
          }),
        },
        /"wasi_unstable" \(fd_write\), which rungpt does not provide: .*\(of WASI, only preview 1 \(wasi_snapshot_preview1\) is provided: build for wasm32-wasip1\)$/,
      ],
      [
        "a WASI function preview 1 does not have",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({
            imports: [["wasi_snapshot_preview1", "fd_teleport"]],
            exports: ["greet"],
          }),
        },
        /module "wasi_snapshot_preview1" function "fd_teleport" is not a WASI preview 1 function/,
      ],
      [
        "an Extism host function rungpt does not have",
        {
          ...pluginFiles({ name: "bad" }),
          "plugin.wasm": buildWasm({
            imports: [["extism:host/env", "http_fetch"]],
            exports: ["greet"],
          }),
        },
        /"extism:host\/env" function "http_fetch" is not an Extism kernel function rungpt provides/,
      ],
      [
        "an unknown function of a built-in API",
        {
          ...pluginFiles({ name: "bad", apis: ["rungpt:log"] }),
          "plugin.wasm": buildWasm({ imports: [["rungpt:log", "shout"]], exports: ["greet"] }),
        },
        /"rungpt:log" function "shout" is imported but rungpt:log has no such function/,
      ],
      [
        "not wasm",
        { ...pluginFiles({ name: "bad" }), "plugin.wasm": "not wasm" },
        /not a valid WebAssembly module/,
      ],
      [
        "missing action export",
        { ...pluginFiles({ name: "bad" }), "plugin.wasm": buildWasm({ exports: ["other"] }) },
        /action "greet": the module exports no function "greet"/,
      ],
      [
        "name clash with another source",
        pluginFiles({ name: "hello" }),
        /"hello" is already installed from file:\/\/.*\/acme\/hello; remove it first to install file:\/\/.*\/acme\/bad$/,
      ],
    ];
    for (const [label, files, re] of cases) {
      await bad.commit(files);
      await assert.rejects(c.install("acme/bad"), re, label);
      assert.deepEqual(await snapshotDir(c.pluginsDir), before, label);
    }
    // Consent refused, a missing repo, and a missing ref change nothing either.
    await bad.commit(pluginFiles({ name: "bad" }));
    await assert.rejects(
      c.install("acme/bad", { confirm: () => Promise.resolve(false) }),
      /not confirmed/,
    );
    await assert.rejects(
      c.install("acme/missing"),
      /no repository at file:\/\/.*\/acme\/missing \(or it is private\): check user\/repo — git clone failed: /,
    );
    await assert.rejects(c.install("acme/bad@v9.9.9"), /ref "v9\.9\.9" not found/);
    // A validator from the runtime replaces the default check.
    await assert.rejects(
      c.install("acme/bad", {
        validateModule: (bytes, m) => {
          assert.equal(m.name, "bad");
          assert.ok(bytes.length > 8);
          return Promise.reject(new Error("runtime says no"));
        },
      }),
      /runtime says no/,
    );
    assert.deepEqual(await snapshotDir(c.pluginsDir), before);
    // And then it installs fine.
    await c.install("acme/bad");
  });
});

Deno.test("a reinstall over an existing version replaces it only after it passed", async () => {
  await withCtx(async (c) => {
    const repo = await c.git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
    await c.install("acme/hello");
    await repo.commit(
      { ...pluginFiles({ version: "1.1.0" }), "plugin.wasm": buildWasm({ exports: [] }) },
      { tags: ["v1.1.0"] },
    );
    const before = await snapshotDir(c.pluginsDir);
    await assert.rejects(c.update("hello"), /exports no function "greet"/);
    assert.deepEqual(await snapshotDir(c.pluginsDir), before);
    assert.equal((await loadInstalled(c.pluginsDir, "hello")).manifest.version, "1.0.0");
  });
});

Deno.test("bad specs are refused before git runs", async () => {
  const pluginsDir = join(await Deno.makeTempDir(), "never-created");
  try {
    for (const spec of ["-oops/x", "../x", "a/b@--upload-pack=x", "a/..", "a/b@x y"]) {
      await assert.rejects(
        installPlugin({
          spec,
          pluginsDir,
          dataDir: join(pluginsDir, "..", "data"),
          gitBase: "file:///nonexistent",
          confirm: () => Promise.resolve(true),
        }),
        /^GitError: invalid /,
        spec,
      );
      // The plugins dir is created only once a clone starts.
      await assert.rejects(Deno.stat(pluginsDir), Deno.errors.NotFound);
    }
  } finally {
    await Deno.remove(join(pluginsDir, ".."), { recursive: true });
  }
});
