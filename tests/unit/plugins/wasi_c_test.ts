/**
 * WASI preview 1 with a module rungpt did not build: tests/fixtures/c/wasi_stdio.c, C on
 * Debian's wasi-libc, compiled here with clang and linked with lld, unmodified but for its
 * rungpt.yaml (the manifest below).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { actionInput, type Manifest, parseManifest } from "../../../lib/plugins/manifest.ts";
import { callAction, type LoadedPlugin, loadPlugin } from "../../../lib/plugins/runtime.ts";
import { type PluginEnv, pluginEnv, rejectsKind } from "../../support/plugin_runtime.ts";
import { buildC, WASI_REACTOR } from "../../support/c_fixtures.ts";

const wasm = await buildC("wasi_stdio.c", WASI_REACTOR);
const ignore = wasm === null;

function manifest(fields: Record<string, unknown> = {}): Manifest {
  const action = ([name, exportName]: string[]) => ({
    name,
    description: "d",
    export: exportName,
    input: "text",
    parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  });
  return parseManifest(JSON.stringify({
    name: "wasi-c",
    version: "1.0.0",
    description: "C with wasi-libc",
    wasm: "wasi_stdio.wasm",
    actions: [["greet", "greet"], ["now", "now"], ["open_path", "openPath"], [
      "exit_with",
      "exitWith",
    ]].map(action),
    ...fields,
  }));
}

/**
 * Loads the module under `manifest(fields)`, granting what it declares; closed when the
 * returned value is disposed.
 */
async function load(
  env: PluginEnv,
  fields: Record<string, unknown> = {},
): Promise<LoadedPlugin & AsyncDisposable> {
  const m = manifest(fields);
  const { dataDir, registry, logs } = env;
  const plugin = await loadPlugin({
    wasm: wasm!,
    manifest: m,
    grants: { apis: m.apis },
    dataDir,
    registry,
    onLog: (e) => logs.push(e),
  });
  return Object.assign(plugin, { [Symbol.asyncDispose]: () => plugin.close() });
}

function caller(plugin: LoadedPlugin) {
  return (action: string, text: string) => {
    const spec = plugin.manifest.actions.find((a) => a.name === action)!;
    return callAction(plugin, spec.export!, actionInput(spec, JSON.stringify({ text })));
  };
}

Deno.test({
  name: "wasi C: stdout and stderr land in the plugin's log, line by line and escaped",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using plugin = await load(env);
    const call = caller(plugin);
    assertEquals(await call("greet", "Ada"), "greeted Ada");
    assertEquals(await call("greet", "Grace"), "greeted Grace");
    const lines = env.logs.map((e) => [e.level, e.message]);
    assertEquals(lines, [
      ["info", "hello, Ada"],
      ["warn", "careful: \\x1b[31mred\\x1b[0m"],
      ["info", "hello, Grace"],
      ["warn", "careful: \\x1b[31mred\\x1b[0m"],
    ]);
  },
});

Deno.test({
  name: "wasi C: the realtime clock and random_get work",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using plugin = await load(env);
    const call = caller(plugin);
    const [secs, random] = (await call("now", "")).split(" ");
    assert(Math.abs(Number(secs) - Date.now() / 1000) < 60, `clock reads ${secs}`);
    const [, again] = (await call("now", "")).split(" ");
    assert(/^[0-9a-f]{16}$/.test(random), random);
    assert(random !== again, "two calls got the same random bytes");
  },
});

Deno.test({
  name: "wasi C: no preopened directory, so no file opens, in or outside the data dir",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using plugin = await load(env);
    const call = caller(plugin);
    const inside = join(plugin.dir, "notes.txt");
    await Deno.writeTextFile(inside, "x");
    for (const path of ["/etc/passwd", "../../etc/passwd", inside, "notes.txt"]) {
      const out = await call("open_path", path);
      assert(out.startsWith("failed: "), `${path}: ${out}`);
    }
  },
});

Deno.test({
  name: "wasi C: proc_exit ends the call with its code; the plugin keeps working",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using plugin = await load(env);
    const call = caller(plugin);
    await rejectsKind(call("exit_with", "3"), "plugin_error", "exited with code 3 (proc_exit)");
    await rejectsKind(call("exit_with", "0"), "plugin_error", "exited with code 0 (proc_exit)");
    // Output written before exit still reached the log.
    assert(env.logs.some((e) => e.message === "exiting"));
    assertEquals(await call("greet", "again"), "greeted again");
  },
});
