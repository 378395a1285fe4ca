/**
 * The WASI bridge against a hostile module that calls WASI by hand
 * (tests/fixtures/c/wasi_hostile.c): pointers outside memory, sockets, files without a
 * preopened directory, a flood of calls, an oversized write.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { pluginEnv, rejectsKind } from "../../support/plugin_runtime.ts";
import { buildC, FREESTANDING, loadBuilt, textActionsManifest } from "../../support/toolchains.ts";

const wasm = await buildC("wasi_hostile.c", [...FREESTANDING, "-Wl,--initial-memory=393216"]);
const ignore = wasm === null;
const exports = [
  "writeOutside",
  "iovecsOutside",
  "sockRecv",
  "pathOpen",
  "writeFile",
  "spin",
  "bigWrite",
];
const manifest = textActionsManifest(
  "wasi-hostile",
  exports.map((e) => [e.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), e]),
);

const EFAULT = "21";
const EBADF = "8";
const ENOTCAPABLE = "76";

Deno.test({
  name: "wasi bridge: pointers outside memory get EFAULT; sockets ENOTCAPABLE; no fd 3 or 5",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using p = await loadBuilt(env, wasm!, manifest);
    assertEquals(await p.call("write_outside", ""), EFAULT);
    assertEquals(await p.call("iovecs_outside", ""), EFAULT);
    assertEquals(await p.call("sock_recv", ""), ENOTCAPABLE);
    assertEquals(await p.call("path_open", ""), ENOTCAPABLE);
    assertEquals(await p.call("write_file", ""), EBADF);
    assertEquals(env.logs, []);
  },
});

Deno.test({
  name: "wasi bridge: a write larger than 64 KiB is a short write, logged line by line",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using p = await loadBuilt(env, wasm!, manifest);
    assertEquals(await p.call("big_write", ""), String(64 * 1024));
    const logged = env.logs.filter((e) => e.message.startsWith("x"));
    assert(logged.length > 0 && logged.every((e) => e.message.length <= 79));
  },
});

Deno.test({
  name: "wasi bridge: limits.wasiCalls bounds WASI calls in one call; the plugin keeps working",
  ignore,
  async fn() {
    await using env = await pluginEnv();
    await using p = await loadBuilt(env, wasm!, manifest, { timeoutMs: 120_000, wasiCalls: 50 });
    await rejectsKind(p.call("spin", ""), "denied", "more than 50 round trips");
    assertEquals(await p.call("sock_recv", ""), ENOTCAPABLE);
  },
});
