/**
 * How the plugin manager loads plugins that use each other's APIs: providers first, a cycle
 * among providers refused from the manifests before anything loads (warm, concurrent first
 * calls and close all finish), and loading bounded by the call's time limit and cancel signal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { setEnabled } from "../../../lib/plugins/installed.ts";
import { createPluginManager, type PluginManager } from "../../../lib/plugins/manager.ts";
import { PluginError } from "../../../lib/plugins/runtime.ts";
import { CYCLE, installPlugins, type TestPluginSpec } from "../../support/action_fixtures.ts";

/** A manager over fresh plugins and data dirs holding `specs`; dispose closes and removes. */
async function managerWith(specs: TestPluginSpec[], limits = {}) {
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-manager-" });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-manager-data-" });
  await installPlugins({ pluginsDir, dataDir }, specs);
  const plugins: PluginManager = createPluginManager({ pluginsDir, dataDir, limits });
  return {
    plugins,
    pluginsDir,
    dataDir,
    async [Symbol.asyncDispose]() {
      await plugins.close();
      await Deno.remove(pluginsDir, { recursive: true });
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Awaits `p`, which must reject with a PluginError matching `kind` and `message`. */
async function rejectsWith(p: Promise<unknown>, kind: string, message: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PluginError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("manager: a provider cycle is refused before anything loads; warm, calls and close finish", async () => {
  await using env = await managerWith(CYCLE);
  // A turn warms every enabled plugin; then the model calls both at once.
  env.plugins.warm();
  const [ping, pong] = await Promise.allSettled([
    env.plugins.call("ping", "ping", "{}"),
    env.plugins.call("pong", "pong", "{}"),
  ]);
  assert.equal(ping.status, "rejected");
  assert.equal(pong.status, "rejected");
  for (const [result, path] of [[ping, "ping → pong → ping"], [pong, "pong → ping → pong"]]) {
    const e = (result as PromiseRejectedResult).reason;
    assert.ok(e instanceof PluginError, String(e));
    assert.equal(e.kind, "invalid");
    assert.ok(e.message.includes(`use each other's APIs (${path})`), e.message);
  }
  // The same answer again, and nothing was started: no data dir was made for either.
  await rejectsWith(env.plugins.call("ping", "ping", "{}"), "invalid", /ping → pong → ping/);
  for (const name of ["ping", "pong"]) {
    await assert.rejects(Deno.stat(join(env.dataDir, "plugins", name)), Deno.errors.NotFound);
  }
});

Deno.test("manager: a provider without the API is named before loading", async () => {
  await using env = await managerWith([
    {
      name: "consumer",
      wasm: "consumer",
      apis: ["provider:greet"],
      actions: [{ name: "run" }],
    },
    {
      name: "provider",
      wasm: "provider",
      provides: [{ name: "other", functions: ["hello"] }],
      actions: [],
    },
  ]);
  await rejectsWith(
    env.plugins.call("consumer", "run", "{}"),
    "not_found",
    /plugin consumer: it needs the API provider:greet, but plugin provider does not provide "greet" \(it provides: other\)/,
  );
});

Deno.test("manager: providers load first, and concurrent first calls both reach them", async () => {
  await using env = await managerWith([
    { name: "consumer", wasm: "consumer", apis: ["provider:greet"], actions: [{ name: "run" }] },
    {
      name: "provider",
      wasm: "provider",
      provides: [{ name: "greet", functions: ["hello"] }],
      actions: [{ name: "hello" }],
    },
  ]);
  env.plugins.warm();
  const [run, hello] = await Promise.all([
    env.plugins.call("consumer", "run", "world"),
    env.plugins.call("provider", "hello", "you"),
  ]);
  assert.deepEqual(JSON.parse(run), { ok: "hello, world" });
  assert.equal(hello, "hello, you");
  await setEnabled(env.pluginsDir, "provider", false);
  await rejectsWith(
    env.plugins.call("consumer", "run", "world"),
    "denied",
    /plugin consumer: it needs the API provider:greet, but plugin provider is disabled/,
  );
});

Deno.test("manager: loading counts against the call's time limit and cancel signal; close stops loads", async () => {
  // Its start-up code never ends: a load runs until the plugin's own limit (a minute here).
  await using env = await managerWith([
    { name: "slow", wasm: "slowstart", actions: [{ name: "echo" }] },
  ], { timeoutMs: 60_000 });
  await rejectsWith(
    env.plugins.call("slow", "echo", "{}", { timeoutMs: 200 }),
    "timeout",
    /call to "echo" exceeded the time limit of 200 ms while the plugin was loading/,
  );
  const stop = new AbortController();
  const cancelled = env.plugins.call("slow", "echo", "{}", { signal: stop.signal });
  stop.abort();
  await rejectsWith(cancelled, "aborted", /call to "echo" was cancelled/);
  // The load is still running; close() ends it rather than waiting a minute for it.
  await env.plugins.close();
  await rejectsWith(env.plugins.call("slow", "echo", "{}"), "not_found", /shutting down/);
});
