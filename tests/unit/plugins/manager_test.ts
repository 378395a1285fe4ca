/**
 * The plugin manager picks up changes made by another process (the `rungpt plugin` CLI) while
 * the server runs: new settings, a disabled plugin, and an update reload the plugin, and a
 * changed provider reloads the plugins that use its APIs.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { setEnabled, setPluginConfig } from "../../../lib/plugins/installed.ts";
import { installPlugin, updatePlugin } from "../../../lib/plugins/install.ts";
import { runPluginCommand } from "../../../lib/plugins/cli.ts";
import { createPluginManager } from "../../../lib/plugins/manager.ts";
import { createGitFixtures } from "../../support/git_fixtures.ts";
import { buildFixture } from "../../support/wasm_fixtures.ts";

function manifest(version: string, description: string) {
  return stringify({
    name: "settings",
    version,
    description,
    wasm: "plugin.wasm",
    apis: ["rungpt:config"],
    config: { units: { type: "string", default: "metric" } },
    actions: [{ name: "get", description: "Reads a setting." }],
  });
}

Deno.test("manager: changes from another process reach a running manager", async () => {
  await using git = await createGitFixtures();
  const wasm = await buildFixture("settings");
  const repo = await git.createRepo("acme", "settings");
  await repo.commit({ "rungpt.yaml": manifest("1.0.0", "One."), "plugin.wasm": wasm }, {
    tags: ["v1.0.0"],
  });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  const yes = () => Promise.resolve(true);
  try {
    await installPlugin({
      spec: "acme/settings",
      pluginsDir,
      dataDir,
      confirm: yes,
      gitBase: git.base,
    });
    const units = async () =>
      JSON.parse(await plugins.call("settings", "get", JSON.stringify({ key: "units" })));
    assert.deepEqual(await units(), { ok: "metric" });

    // `rungpt plugin config settings units=imperial` in a terminal.
    await setPluginConfig(pluginsDir, "settings", { units: "imperial" });
    assert.deepEqual(await units(), { ok: "imperial" });

    // `rungpt plugin disable settings`.
    await setEnabled(pluginsDir, "settings", false);
    await assert.rejects(units(), /disabled/);
    await setEnabled(pluginsDir, "settings", true);
    assert.deepEqual(await units(), { ok: "imperial" });

    // `rungpt plugin update settings`: the new version's manifest is the one in use.
    await repo.commit({ "rungpt.yaml": manifest("1.1.0", "Two."), "plugin.wasm": wasm }, {
      tags: ["v1.1.0"],
    });
    await updatePlugin("settings", { pluginsDir, dataDir, confirm: yes, gitBase: git.base });
    assert.equal((await plugins.actions())[0].pluginDescription, "Two.");
    assert.deepEqual(await units(), { ok: "imperial" });
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("manager: a provider changed from the CLI reloads the plugins that use it", async () => {
  await using git = await createGitFixtures();
  const provider = await git.createRepo("acme", "provider");
  const providerFiles = async (version: string) => ({
    "rungpt.yaml": stringify({
      name: "provider",
      version,
      description: `Greets (${version}).`,
      wasm: "plugin.wasm",
      provides: [{ name: "greet", functions: ["hello"] }],
    }),
    "plugin.wasm": await buildFixture("provider"),
  });
  await provider.commit(await providerFiles("1.0.0"), { tags: ["v1.0.0"] });
  await (await git.createRepo("acme", "consumer")).commit({
    "rungpt.yaml": stringify({
      name: "consumer",
      version: "1.0.0",
      description: "Uses provider:greet.",
      wasm: "plugin.wasm",
      apis: ["provider:greet"],
      actions: [{ name: "run", description: "Greets through the provider." }],
    }),
    "plugin.wasm": await buildFixture("consumer"),
  }, { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  // `rungpt plugin …` in a terminal, while the server runs.
  const cli = async (...args: string[]) => {
    const err: string[] = [];
    const code = await runPluginCommand(args, {
      pluginsDir,
      dataDir,
      isTerminal: false,
      env: { RUNGPT_GIT_BASE: git.base },
      stdout: () => {},
      stderr: (l) => err.push(l),
    });
    assert.equal(code, 0, err.join("\n"));
  };
  const greet = async () => JSON.parse(await plugins.call("consumer", "run", "world"));
  try {
    await cli("install", "acme/provider", "--yes");
    await cli("install", "acme/consumer", "--yes");
    assert.deepEqual(await greet(), { ok: "hello, world" });

    await cli("disable", "provider");
    await assert.rejects(greet(), /plugin provider is disabled/);
    await cli("enable", "provider");
    assert.deepEqual(await greet(), { ok: "hello, world" });

    await provider.commit(await providerFiles("1.1.0"), { tags: ["v1.1.0"] });
    await cli("update", "provider", "--yes");
    assert.deepEqual(await greet(), { ok: "hello, world" });

    await cli("install", "acme/provider", "--yes"); // a reinstall
    assert.deepEqual(await greet(), { ok: "hello, world" });
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("manager: a module changed on disk is listed as broken, without a lockfile change", async () => {
  await using git = await createGitFixtures();
  const wasm = await buildFixture("settings");
  await (await git.createRepo("acme", "settings")).commit({
    "rungpt.yaml": manifest("1.0.0", "One."),
    "plugin.wasm": wasm,
  }, { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  try {
    await installPlugin({
      spec: "acme/settings",
      pluginsDir,
      dataDir,
      confirm: () => Promise.resolve(true),
      gitBase: git.base,
    });
    const error = async () => (await plugins.list())[0].error;
    assert.equal(await error(), null);
    const module = `${pluginsDir}/settings/plugin.wasm`;
    await Deno.writeFile(module, new Uint8Array([...wasm, 0, 0])); // an extra custom section
    assert.match((await error())!, /plugin settings's module changed since install/);
    await Deno.writeFile(module, wasm);
    assert.equal(await error(), null);
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("manager: a plugin's log budget holds for all its instances together and across reloads", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "logger");
  await repo.commit({
    "rungpt.yaml": stringify({
      name: "logger",
      version: "1.0.0",
      description: "Writes log lines.",
      wasm: "plugin.wasm",
      apis: ["rungpt:log"],
      actions: [{ name: "flood", description: "Logs many lines." }],
    }),
    "plugin.wasm": await buildFixture("logger"),
  }, { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  let lines = 0;
  // The log budget's clock stands still: only the burst may pass, however many instances log.
  const plugins = createPluginManager({
    pluginsDir,
    dataDir,
    onLog: () => lines++,
    logBudget: { burstLines: 30, linesPerSecond: 1, burstBytes: 64 * 1024, bytesPerSecond: 1 },
    logClock: () => 0,
  });
  try {
    await installPlugin({
      spec: "acme/logger",
      pluginsDir,
      dataDir,
      confirm: () => Promise.resolve(true),
      gitBase: git.base,
    });
    // Calls at once run on more than one instance.
    const calls = Array.from({ length: 3 }, () => plugins.call("logger", "flood", "20"));
    assert.deepEqual(await Promise.all(calls), ["20", "20", "20"]);
    assert.equal(lines, 30);
    await plugins.invalidate("logger");
    await plugins.call("logger", "flood", "20");
    assert.equal(lines, 30, "a reload does not refill the budget");
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("manager: a call that fails or times out is a line of the plugin's log", async () => {
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "failing");
  await repo.commit({
    "rungpt.yaml": stringify({
      name: "failing",
      version: "1.0.0",
      description: "Reports an error.",
      wasm: "plugin.wasm",
      actions: [{ name: "fail", description: "Fails." }],
    }),
    "plugin.wasm": await buildFixture("failing"),
  }, { tags: ["v1.0.0"] });
  const loopRepo = await git.createRepo("acme", "loop");
  await loopRepo.commit({
    "rungpt.yaml": stringify({
      name: "loop",
      version: "1.0.0",
      description: "Loops forever.",
      wasm: "plugin.wasm",
      actions: [{ name: "spin", description: "Never returns." }],
    }),
    "plugin.wasm": await buildFixture("loop"),
  }, { tags: ["v1.0.0"] });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  const plugins = createPluginManager({ pluginsDir, dataDir });
  try {
    for (const spec of ["acme/failing", "acme/loop"]) {
      await installPlugin({
        spec,
        pluginsDir,
        dataDir,
        confirm: () => Promise.resolve(true),
        gitBase: git.base,
      });
    }
    await assert.rejects(plugins.call("failing", "fail", "{}"), /weather service is unavailable/);
    const failed = plugins.logs("failing").filter((l) => l.level === "error");
    assert.equal(failed.length, 1);
    assert.match(failed[0].message, /^fail failed: .*weather service is unavailable/);

    await assert.rejects(plugins.call("loop", "spin", "{}", { timeoutMs: 300 }), /time limit/);
    assert.match(plugins.logs("loop").at(-1)?.message ?? "", /^spin timed out: /);
  } finally {
    await plugins.close();
    await Deno.remove(pluginsDir, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});
