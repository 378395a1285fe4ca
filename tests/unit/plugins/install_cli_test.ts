import assert from "node:assert/strict";
import { join } from "node:path";
import { type PluginCommandOptions, runPluginCommand } from "../../../lib/plugins/cli.ts";
import { readLockfile } from "../../../lib/plugins/lockfile.ts";
import {
  createGitFixtures,
  type GitFixtures,
  pluginFiles,
  snapshotDir,
} from "../../support/git_fixtures.ts";

interface Run {
  code: number;
  out: string[];
  err: string[];
  prompts: string[];
}

async function withCli(
  fn: (
    run: (
      args: string[],
      over?: Partial<PluginCommandOptions> & { answer?: string },
    ) => Promise<Run>,
    git: GitFixtures,
    pluginsDir: string,
    dataDir: string,
  ) => Promise<void>,
): Promise<void> {
  const git = await createGitFixtures();
  const pluginsDir = join(git.root, "plugins");
  const dataDir = join(git.root, "data");
  try {
    await fn(
      async (args, over = {}) => {
        const r: Run = { code: -1, out: [], err: [], prompts: [] };
        r.code = await runPluginCommand(args, {
          pluginsDir,
          dataDir,
          isTerminal: false,
          env: { RUNGPT_GIT_BASE: git.base },
          stdout: (l) => r.out.push(l),
          stderr: (l) => r.err.push(l),
          prompt: (q) => (r.prompts.push(q), Promise.resolve(over.answer ?? null)),
          ...over,
        });
        return r;
      },
      git,
      pluginsDir,
      dataDir,
    );
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
    units: { type: "string", default: "metric", enum: ["metric", "imperial"] },
  },
  actions: [{ name: "forecast", description: "Forecast for a city", confirm: true }],
};

/**
 * Asserts a failed run printed exactly one error line matching `re`, without a stack, and exited
 * with `code` (2 for a usage error, else 1).
 */
function assertOneError(r: Run, re: RegExp, code = 1): void {
  assert.equal(r.code, code, r.err.join("\n"));
  const errors = r.err.filter((l) => !l.startsWith("… "));
  assert.equal(errors.length, 1, errors.join("\n"));
  assert.match(errors[0], /^error: /);
  assert.match(errors[0], re);
  assert.doesNotMatch(errors.join("\n"), /\n\s+at /);
}

Deno.test("cli: install --yes, list, info, disable, enable, config, update, remove", async () => {
  await withCli(async (run, git, pluginsDir, dataDir) => {
    const repo = await git.createRepo("acme", "weather");
    await repo.commit(pluginFiles({ ...WEATHER, version: "1.0.0" }), { tags: ["v1.0.0"] });

    let r = await run(["install", "acme/weather", "--yes"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    const text = r.out.join("\n");
    assert.match(text, /Install weather 1\.0\.0/);
    assert.match(text, /APIs: +rungpt:net, rungpt:config/);
    assert.match(text, /network: +api\.weather\.test/);
    assert.match(text, /secrets: +api_key/);
    assert.match(text, /actions: +forecast \(asks first\)/);
    assert.match(r.out.at(-1)!, /^installed weather 1\.0\.0 \(v1\.0\.0, [0-9a-f]{12}\)$/);
    assert.ok(r.err.some((l) => l.startsWith("… cloning")));
    assert.deepEqual(r.prompts, []);

    r = await run(["list"]);
    assert.deepEqual(r.out, ["weather 1.0.0 enabled acme/weather@v1.0.0"]);

    r = await run(["disable", "weather"]);
    assert.deepEqual([r.code, r.out], [0, ["disabled weather"]]);
    r = await run(["list", "--json"]);
    assert.equal(JSON.parse(r.out.join("\n"))[0].enabled, false);
    assert.equal((await readLockfile(pluginsDir)).plugins.weather.enabled, false);
    r = await run(["enable", "weather"]);
    assert.deepEqual([r.code, r.out], [0, ["enabled weather"]]);
    assert.equal((await readLockfile(pluginsDir)).plugins.weather.enabled, true);

    r = await run(["config", "weather", "api_key=sk-123", "units=imperial"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, ["api_key = (secret)", 'units = "imperial"']);
    // The same check as `rungpt plugin run --config` (authoring_test.ts): nothing is saved.
    r = await run(["config", "weather", "units=kelvin", "api_key=sk-456"]);
    assertOneError(r, /setting units must be one of "metric", "imperial"$/);
    r = await run(["config", "weather", "colour=red"]);
    assertOneError(r, /declares no setting "colour" \(declared: api_key, units\)$/);
    r = await run(["config", "weather", "--unset", "units"]);
    assert.deepEqual(r.out, ["api_key = (secret)", 'units = "metric"']);

    r = await run(["info", "weather"]);
    assert.equal(r.code, 0);
    const info = r.out.join("\n");
    assert.match(info, /^weather 1\.0\.0 \(enabled\)/);
    assert.match(info, /source: +file:\/\/.*\/acme\/weather @ v1\.0\.0 \(tag, [0-9a-f]{40}\)/);
    assert.match(info, /module: +ok \(sha256 [0-9a-f]{64}\)/);
    assert.match(info, /setting: +api_key = \(secret, set\)/);
    assert.doesNotMatch(info, /sk-123/);

    await repo.commit(pluginFiles({ ...WEATHER, version: "1.1.0" }), { tags: ["v1.1.0"] });
    r = await run(["update", "weather"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(r.out.join("\n"), /asks for nothing new/);
    assert.match(r.out.at(-1)!, /^updated weather 1\.0\.0 -> 1\.1\.0/);
    r = await run(["update", "weather"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(
      r.out.at(-1)!,
      /^weather 1\.1\.0 is up to date with file:\/\/\S+\/acme\/weather \(v1\.1\.0, [0-9a-f]{12}\); nothing changed$/,
    );

    // Asking for more without --yes and without a terminal refuses.
    await repo.commit(
      pluginFiles({ ...WEATHER, version: "2.0.0", permissions: { net: { hosts: ["x.test"] } } }),
      { tags: ["v2.0.0"] },
    );
    r = await run(["update", "weather"]);
    assertOneError(r, /re-run with --yes to confirm/);
    assert.match(r.out.join("\n"), /network: +x\.test \(new\)/);
    r = await run(["update", "weather", "--ref", "v2.0.0", "--yes"]);
    assert.equal(r.code, 0, r.err.join("\n"));

    // Removing says it deletes the plugin's files too, and asks like install does.
    const weatherData = join(dataDir, "plugins", "weather");
    const removing =
      `Remove weather: its install, its settings, and its own files and state in ${weatherData}`;
    r = await run(["remove", "weather"]);
    assertOneError(r, /not confirmed: no terminal to ask; re-run with --yes to confirm/);
    assert.deepEqual(r.out, [removing]);
    r = await run(["remove", "weather"], { isTerminal: true, answer: "n" });
    assertOneError(r, /not confirmed: weather was not removed; nothing changed/);
    assert.deepEqual(r.prompts, ["Remove? [y/N]"]);
    assert.ok((await readLockfile(pluginsDir)).plugins.weather);
    await Deno.mkdir(weatherData, { recursive: true });
    await Deno.writeTextFile(join(weatherData, "cache.json"), "{}");
    r = await run(["remove", "weather", "--yes"]);
    assert.deepEqual([r.code, r.out], [0, [removing, "removed weather and its files"]]);
    await assert.rejects(Deno.stat(weatherData), Deno.errors.NotFound);
    r = await run(["list"]);
    assert.deepEqual(r.out, ["no plugins installed"]);
    assertOneError(await run(["remove", "weather", "--yes"]), /plugin weather is not installed/);
  });
});

Deno.test("cli: consent without --yes: terminal prompt, or refusal without one", async () => {
  await withCli(async (run, git, pluginsDir) => {
    const repo = await git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({}), { tags: ["v1.0.0"] });

    let r = await run(["install", "acme/hello"]);
    assertOneError(r, /not confirmed: no terminal to ask; re-run with --yes to confirm/);
    assert.match(r.out.join("\n"), /Install hello 1\.0\.0/, "the summary is still shown");
    assert.deepEqual(await snapshotDir(pluginsDir), {});

    r = await run(["install", "acme/hello"], { isTerminal: true, answer: "n" });
    assertOneError(r, /not confirmed/);
    assert.deepEqual(r.prompts, ["Install? [y/N]"]);
    assert.deepEqual(await snapshotDir(pluginsDir), {});

    r = await run(["install", "acme/hello"], { isTerminal: true, answer: "" });
    assert.equal(r.code, 1, "the default answer is no");

    r = await run(["install", "acme/hello"], { isTerminal: true, answer: "y" });
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.ok((await readLockfile(pluginsDir)).plugins.hello);
  });
});

Deno.test("cli: errors are one line and exit 1", async () => {
  await withCli(async (run, git) => {
    assertOneError(
      await run(["install", "a/b@--upload-pack=x", "--yes"]),
      /invalid ref "--upload-pack=x"/,
    );
    assertOneError(await run(["install", "-oops/x", "--yes"]), /Unknown option '-o'/, 2);
    assertOneError(await run(["install", "--yes", "--", "-oops/x"]), /invalid user "-oops"/);
    // A path is a local folder, not a user name.
    assertOneError(
      await run(["install", "../no-such-plugin-folder", "--yes"], { cwd: git.root }),
      /no folder at .*no-such-plugin-folder/,
    );
    assertOneError(await run(["install"]), /usage: rungpt plugin install/, 2);
    assertOneError(await run(["install", "acme/nothere", "--yes"]), /git clone failed/);
    assertOneError(await run(["info", "ghost"]), /plugin ghost is not installed/);
    assertOneError(await run(["remove", "ghost"]), /plugin ghost is not installed/);
    assertOneError(await run(["enable", "ghost"]), /plugin ghost is not installed/);
    assertOneError(await run(["update", "ghost", "--yes"]), /plugin ghost is not installed/);
    assertOneError(
      await run(["update", "x", "--ref"]),
      /Option '--ref <value>' argument missing/,
      2,
    );
    assertOneError(await run(["frobnicate"]), /unknown command "frobnicate"/, 2);
    assertOneError(await run(["list", "--force"]), /Unknown option '--force'/, 2);

    const repo = await git.createRepo("acme", "bad");
    await repo.commit(pluginFiles({ name: "bad", apis: ["rungpt:nope"] }));
    assertOneError(await run(["install", "acme/bad", "--yes"]), /apis\.0: unknown built-in API/);

    const help = await run(["help"]);
    assert.equal(help.code, 0);
    assert.match(help.out.join("\n"), /usage: rungpt plugin <command>/);
  });
});

Deno.test("cli: list and info report a module whose hash changed", async () => {
  await withCli(async (run, git, pluginsDir) => {
    const repo = await git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({}), { tags: ["v1.0.0"] });
    assert.equal((await run(["install", "acme/hello", "--yes"])).code, 0);
    await Deno.writeFile(
      join(pluginsDir, "hello", "plugin.wasm"),
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
    );
    const r = await run(["info", "hello"]);
    assert.equal(r.code, 0);
    assert.match(
      r.out.join("\n"),
      /module: +plugin hello's module changed since install: expected sha256/,
    );
    assert.doesNotMatch(r.out.join("\n"), /problem:/, "said once");
    const list = await run(["list"]);
    assert.match(
      list.out[0],
      /^hello 1\.0\.0 enabled acme\/hello@v1\.0\.0 \(broken: plugin hello's module changed since install: expected sha256 [0-9a-f]{64}, found [0-9a-f]{64}; reinstall it\)$/,
    );
    const json = JSON.parse((await run(["list", "--json"])).out.join("\n"));
    assert.match(json[0].error, /module changed since install/);
  });
});

Deno.test("cli: text from the repository cannot inject terminal escapes", async () => {
  await withCli(async (run, git) => {
    const repo = await git.createRepo("acme", "hello");
    await repo.commit(pluginFiles({
      description: "nice\u001b[2J\u001b]0;pwned\u0007 plugin",
      // JSON.stringify leaves C1 controls (U+009B is an 8-bit CSI) and bidi overrides raw.
      config: { greeting: { type: "string", default: "hi\u202eexe\u009b2J" } },
    }));
    const r = await run(["install", "acme/hello", "--yes"]);
    assert.equal(r.code, 0, r.err.join("\n"));
    // Shown escaped: the reader sees what the repository tried, the terminal does nothing.
    assert.match(r.out.join("\n"), /about: +nice\\x1b\[2J\\x1b\]0;pwned\\u0007 plugin/);
    const ESC = "\u001b";
    assert.ok(![...r.out, ...r.err].join("\n").includes(ESC));
    const info = await run(["info", "hello"]);
    assert.ok(!info.out.join("\n").includes(ESC));
    assert.ok(
      info.out.includes('  setting:   greeting = "hi\\u202eexe\\u009b2J"'),
      info.out.join("\n"),
    );
    const config = await run(["config", "hello"]);
    assert.deepEqual(config.out, ['greeting = "hi\\u202eexe\\u009b2J"']);
    const json = (await run(["info", "hello", "--json"])).out.join("\n");
    assert.ok(!/[\u009b\u202e]/.test(json), json);
    assert.equal(JSON.parse(json).manifest.config.greeting.default, "hi\u202eexe\u009b2J");
  });
});
