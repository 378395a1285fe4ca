/**
 * WASI preview 1 with a module rungpt did not build: tests/fixtures/rust/wasi_stdio.rs, Rust's
 * std for WASI preview 1 from Debian (rustc, libstd-rust-dev-wasm32), unmodified but for its
 * rungpt.yaml (the manifest below).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { pluginEnv, rejectsKind } from "../../support/plugin_runtime.ts";
import { buildRust, loadBuilt, textActionsManifest } from "../../support/toolchains.ts";

const wasm = await buildRust("wasi_stdio.rs");
const ignore = wasm === null;
const manifest = textActionsManifest("wasi-rust", [
  ["greet", "greet"],
  ["now", "now"],
  ["read_path", "readPath"],
  ["exit_with", "exitWith"],
]);

Deno.test({
  name: "wasi Rust: println! and eprintln! reach the log; SystemTime reads the clock",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using rust = await loadBuilt(env, wasm!, manifest);
    assertEquals(await rust.call("greet", "Ferris"), "greeted Ferris");
    assertEquals(env.logs.map((e) => [e.level, e.message]), [
      ["info", "hello, Ferris"],
      ["warn", "careful"],
    ]);
    const secs = Number(await rust.call("now", ""));
    assert(Math.abs(secs - Date.now() / 1000) < 60, `clock reads ${secs}`);
  },
});

Deno.test({
  name: "wasi Rust: std::fs finds no preopened directory; exit ends the call with its code",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using rust = await loadBuilt(env, wasm!, manifest);
    for (const path of ["/etc/passwd", "data.txt"]) {
      const out = await rust.call("read_path", path);
      assert(out.startsWith("failed: "), `${path}: ${out}`);
    }
    await rejectsKind(
      rust.call("exit_with", "7"),
      "plugin_error",
      "exited with code 7 (proc_exit)",
    );
    assertEquals(await rust.call("greet", "again"), "greeted again");
  },
});
