/**
 * WASI preview 1 with a module rungpt did not build: tests/fixtures/c/wasi_stdio.c, C on
 * Debian's wasi-libc, compiled here with clang and linked with lld, unmodified but for its
 * rungpt.yaml (the manifest below).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { pluginEnv, rejectsKind } from "../../support/plugin_runtime.ts";
import { buildC, loadBuilt, textActionsManifest, WASI_REACTOR } from "../../support/toolchains.ts";

const wasm = await buildC("wasi_stdio.c", WASI_REACTOR);
const ignore = wasm === null;
const manifest = textActionsManifest("wasi-c", [
  ["greet", "greet"],
  ["now", "now"],
  ["open_path", "openPath"],
  ["exit_with", "exitWith"],
  ["hog", "hog"],
]);

Deno.test({
  name: "wasi C: stdout and stderr land in the plugin's log, line by line and escaped",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using c = await loadBuilt(env, wasm!, manifest);
    assertEquals(await c.call("greet", "Ada"), "greeted Ada");
    assertEquals(await c.call("greet", "Grace"), "greeted Grace");
    assertEquals(env.logs.map((e) => [e.level, e.message]), [
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
    await using c = await loadBuilt(env, wasm!, manifest);
    const [secs, random] = (await c.call("now", "")).split(" ");
    assert(Math.abs(Number(secs) - Date.now() / 1000) < 60, `clock reads ${secs}`);
    const [, again] = (await c.call("now", "")).split(" ");
    assert(/^[0-9a-f]{16}$/.test(random), random);
    assert(random !== again, "two calls got the same random bytes");
  },
});

Deno.test({
  name: "wasi C: no preopened directory, so no file opens, in or outside the data dir",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using c = await loadBuilt(env, wasm!, manifest);
    const inside = join(c.plugin.dir, "notes.txt");
    await Deno.writeTextFile(inside, "x");
    for (const path of ["/etc/passwd", "../../etc/passwd", inside, "notes.txt"]) {
      const out = await c.call("open_path", path);
      assert(out.startsWith("failed: "), `${path}: ${out}`);
    }
  },
});

Deno.test({
  name: "wasi C: proc_exit ends the call with its code; the plugin keeps working",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using c = await loadBuilt(env, wasm!, manifest);
    await rejectsKind(c.call("exit_with", "3"), "plugin_error", "exited with code 3 (proc_exit)");
    await rejectsKind(c.call("exit_with", "0"), "plugin_error", "exited with code 0 (proc_exit)");
    // What it printed before exiting still reached the log.
    assert(env.logs.some((e) => e.message === "exiting"));
    assertEquals(await c.call("greet", "again"), "greeted again");
  },
});

Deno.test({
  name: "wasi C: the memory cap holds on the memory the WASI bridge defines",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    const limit = 4 * 1024 * 1024;
    await using c = await loadBuilt(env, wasm!, manifest, { memoryBytes: limit });
    // malloc of 64 KiB blocks until it fails: the guest's memory stops at the cap.
    const got = Number(await c.call("hog", ""));
    assert(got > 0 && got * 65536 <= limit, `malloc'd ${got} blocks of 64 KiB`);
    assertEquals(await c.call("greet", "still here"), "greeted still here");
  },
});

Deno.test({
  name: "wasi C: a command's main (_start) is never run; its exports are",
  ignore,
  async fn() {
    const command = await buildC("wasi_command.c", ["--target=wasm32-wasi", "-O2"]);
    await using env = await pluginEnv();
    await using c = await loadBuilt(
      env,
      command!,
      textActionsManifest("wasi-command", [["ping", "ping"]]),
    );
    assertEquals(await c.call("ping", ""), "pong");
    assertEquals(env.logs, []);
  },
});
