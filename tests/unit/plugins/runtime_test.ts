import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { pluginEnv, rejectsKind } from "../../support/plugin_runtime.ts";
import { buildFixture, fixtureManifest } from "../../support/wasm_fixtures.ts";
import { callAction, type PluginError } from "../../../lib/plugins/runtime.ts";
import { checkImports } from "../../../lib/plugins/imports.ts";
import { prepareModule } from "../../../lib/plugins/runtime_wasm.ts";
import { DEFAULT_LOG_BUDGET, LogLimiter } from "../../../lib/plugins/host/log.ts";

const assertStringIncludes = (s: string, part: string) =>
  assert.ok(s.includes(part), `expected ${JSON.stringify(s)} to include ${JSON.stringify(part)}`);

Deno.test("echo: plain actions, unknown export, reuse", async () => {
  await using env = await pluginEnv();
  const echo = await env.load("echo");
  assertEquals(await callAction(echo, "echo", '{"a":1}'), '{"a":1}');
  assertEquals(await callAction(echo, "upper", "héllo"), "HÉLLO");
  assertEquals(await callAction(echo, "echo", ""), "");
  await rejectsKind(callAction(echo, "nope", ""), "not_found", '"nope"');
  assert(echo.exports.includes("upper"));
  assert(!echo.exports.some((e) => e.startsWith("__rungpt")));
  assertEquals(echo.sha256.length, 64);
});

Deno.test("concurrent calls to one plugin are serialized and each gets its own result", async () => {
  await using env = await pluginEnv();
  const echo = await env.load("echo");
  const inputs = Array.from({ length: 25 }, (_, i) => `item-${i}`);
  const outputs = await Promise.all(inputs.map((s) => callAction(echo, "upper", s)));
  assertEquals(outputs, inputs.map((s) => s.toUpperCase()));
});

Deno.test("many calls, small and large, each get their own answer across block resets", async () => {
  await using env = await pluginEnv();
  const echo = await env.load("echo");
  // Past the calls and the bytes after which an instance's Extism blocks are reset.
  for (let i = 0; i < 80; i++) {
    const input = i % 10 === 9 ? `big-${i}-${"x".repeat(300_000)}` : `call-${i}`;
    assertEquals(await callAction(echo, "upper", input), input.toUpperCase());
    assertEquals(await callAction(echo, "echo", `{"n":${i}}`), `{"n":${i}}`);
  }
});

Deno.test("a call that loops forever times out; the next call works", async () => {
  await using env = await pluginEnv();
  const loop = await env.load("loop", { limits: { timeoutMs: 300 } });
  const echo = await env.load("echo");
  await rejectsKind(callAction(loop, "spin", ""), "timeout", "time limit of 300 ms");
  assertEquals(await callAction(echo, "upper", "other plugins go on"), "OTHER PLUGINS GO ON");
  // The next call starts a fresh instance, which on a loaded machine can itself take 300 ms.
  const patient = { timeoutMs: 30_000 };
  assertEquals(await callAction(loop, "echo", "again", patient), "again");
  // A per-call timeout overrides the plugin's limit.
  await rejectsKind(callAction(loop, "spin", "", { timeoutMs: 100 }), "timeout", "100 ms");
  assertEquals(await callAction(loop, "echo", "still", patient), "still");
});

Deno.test("a call can be cancelled with an AbortSignal", async () => {
  await using env = await pluginEnv();
  const loop = await env.load("loop");
  const controller = new AbortController();
  const call = callAction(loop, "spin", "", { signal: controller.signal });
  const timer = setTimeout(() => controller.abort(), 50);
  await rejectsKind(call, "aborted");
  clearTimeout(timer);
  await rejectsKind(callAction(loop, "echo", "x", { signal: AbortSignal.abort() }), "aborted");
  assertEquals(await callAction(loop, "echo", "after"), "after");
});

Deno.test("time-outs and cancels at any point of the queue leave it healthy", async () => {
  await using env = await pluginEnv();
  const loop = await env.load("loop");
  // One call holds the instance; the others time out or are cancelled while they wait.
  const running = callAction(loop, "spin", "", { timeoutMs: 1500 });
  const waiting = Array.from({ length: 6 }, (_, i) => {
    if (i % 2 === 0) return callAction(loop, "echo", `t${i}`, { timeoutMs: 50 + 20 * i });
    return callAction(loop, "echo", `c${i}`, { signal: AbortSignal.timeout(30 + 20 * i) });
  });
  // And one cancelled before it ever queued.
  const early = callAction(loop, "echo", "x", { signal: AbortSignal.abort() });
  const kinds = (await Promise.allSettled([running, ...waiting, early])).map((r) =>
    r.status === "rejected" ? (r.reason as PluginError).kind : `ok:${r.value}`
  );
  assertEquals(kinds, [
    "timeout",
    "timeout",
    "aborted",
    "timeout",
    "aborted",
    "timeout",
    "aborted",
    "aborted",
  ]);
  // The queue is free again: the next calls run at once and in order.
  const after = await Promise.all(["a", "b", "c"].map((s) => callAction(loop, "echo", s)));
  assertEquals(after, ["a", "b", "c"]);
});

Deno.test("memory growth is capped: the call fails with kind memory, a fresh instance follows", async () => {
  await using env = await pluginEnv();
  const hog = await env.load("memhog", { limits: { memoryBytes: 8 * 1024 * 1024 } });
  assertEquals(await callAction(hog, "echo", "before"), "before:0");
  await rejectsKind(callAction(hog, "grow", ""), "memory", "8388608 bytes");
  // The hoard is gone: the trapped instance was discarded.
  assertEquals(await callAction(hog, "echo", "after"), "after:0");
});

Deno.test("a plugin cannot make the host hold more than its memory budget", async () => {
  await using env = await pluginEnv();
  const limits = { memoryBytes: 16 * 1024 * 1024 };
  const bomb = await env.load("allocbomb", { limits, grants: { apis: ["rungpt:config"] } });
  const rss = () => Deno.memoryUsage().rss;
  const before = rss();
  // One 2 GiB block, 4 GiB in 4 MiB blocks, a million empty blocks, 512 MiB of host results:
  // each is refused before the host allocates it, and the call ends as out of memory.
  for (const attack of ["huge", "many", "tiny", "hostleak"]) {
    await rejectsKind(callAction(bomb, attack, ""), "memory", "16777216 bytes");
    assertEquals(await callAction(bomb, "echo", attack), attack);
  }
  assert.ok(rss() - before < 256 * 1024 * 1024, `rss grew by ${rss() - before} bytes`);
  // Blocks that are freed are credited back: far more than the budget in all is fine.
  assertEquals(await callAction(bomb, "churn", ""), "churned");
  assertEquals(await callAction(bomb, "hostfair", ""), "read");
  // The books are cleared with the blocks after each call: a long run of fair calls goes on.
  for (let i = 0; i < 40; i++) assertEquals(await callAction(bomb, "churn", ""), "churned");
});

Deno.test("prepareModule caps declared memory and refuses modules that start above the cap", () => {
  // (module (memory 10)) and (module (memory 2 100))
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const big = new Uint8Array([...header, 0x05, 0x03, 0x01, 0x00, 0x0a]);
  const e = (() => {
    try {
      prepareModule(big, { maxPages: 5 });
    } catch (err) {
      return err as PluginError;
    }
  })();
  assertEquals(e?.kind, "memory");
  const small = new Uint8Array([...header, 0x05, 0x04, 0x01, 0x01, 0x02, 0x64]);
  const { bytes, probe } = prepareModule(small, { maxPages: 16 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource));
  assert(probe);
  const memory = new WebAssembly.Module(bytes as BufferSource);
  assert(WebAssembly.Module.exports(memory).some((x) => x.name === probe));
  assert(instance);
  // The maximum was lowered from 100 to 16 pages: growing past it fails.
  const withExport = new Uint8Array([
    ...header,
    0x05,
    0x04,
    0x01,
    0x01,
    0x02,
    0x64,
    0x07,
    0x05,
    0x01,
    0x01,
    0x6d,
    0x02,
    0x00, // (export "m" (memory 0))
  ]);
  const prepared = prepareModule(withExport, { maxPages: 16 });
  const m = new WebAssembly.Instance(new WebAssembly.Module(prepared.bytes as BufferSource))
    .exports.m as WebAssembly.Memory;
  m.grow(14);
  let grew = true;
  try {
    m.grow(1);
  } catch {
    grew = false;
  }
  assertEquals(grew, false);
  // Not wasm at all.
  let invalid: PluginError | undefined;
  try {
    prepareModule(new TextEncoder().encode("hello"), { maxPages: 16 });
  } catch (err) {
    invalid = err as PluginError;
  }
  assertEquals(invalid?.kind, "invalid");
});

Deno.test("a huge output ends the call with output_too_large; small outputs still work", async () => {
  await using env = await pluginEnv();
  const big = await env.load("bigout", { limits: { outputBytes: 1000 } });
  await rejectsKind(callAction(big, "big", "5000"), "output_too_large", "5000 bytes");
  assertEquals(await callAction(big, "big", "3"), "xxx");
});

Deno.test("a plugin's own error surfaces as plugin_error; an abort is a trap", async () => {
  await using env = await pluginEnv();
  const failing = await env.load("failing");
  const e = await rejectsKind(callAction(failing, "fail", ""), "plugin_error");
  assertEquals(e.message, "plugin failing: the weather service is unavailable");
  await rejectsKind(callAction(failing, "crash", ""), "trap", "unreachable");
  assert(failing.logs.entries.some((l) => l.message.includes("crashing on purpose")));
  await rejectsKind(callAction(failing, "fail", ""), "plugin_error");
});

Deno.test("an undeclared import is refused, naming the import", async () => {
  const wasm = await buildFixture("undeclared");
  const manifest = await fixtureManifest("undeclared");
  const message =
    'module "rungpt:net" function "request" is imported but rungpt.yaml does not declare the API rungpt:net';
  let err: PluginError | undefined;
  try {
    checkImports(wasm, manifest);
  } catch (e) {
    err = e as PluginError;
  }
  assertEquals(err?.kind, "denied");
  assertStringIncludes(err!.message, message);
  await using env = await pluginEnv();
  await rejectsKind(env.load("undeclared"), "denied", message);
  // Declared, the same module loads.
  const ok = await env.load("undeclared", { manifest: { apis: ["rungpt:log", "rungpt:net"] } });
  assertEquals(ok.name, "undeclared");
});

Deno.test("a declared but ungranted API is refused at load", async () => {
  await using env = await pluginEnv();
  await rejectsKind(env.load("files", { grants: { apis: [] } }), "denied", "was not granted");
  const imports = checkImports(await buildFixture("files"), await fixtureManifest("files"));
  assertEquals(imports.apis.get("rungpt:fs")?.sort(), ["delete", "list", "read", "write"]);
});

Deno.test("plugin-to-plugin calls reach the provider's export", async () => {
  await using env = await pluginEnv();
  const consumer = await env.load("consumer");
  // Provider not loaded yet: a clear error, not a crash.
  const missing = JSON.parse(await callAction(consumer, "run", "world"));
  assertStringIncludes(missing.error, "provider:greet is not available");
  const provider = await env.load("provider");
  assertEquals(JSON.parse(await callAction(consumer, "run", "world")), { ok: "hello, world" });
  await provider.close();
  assertStringIncludes(JSON.parse(await callAction(consumer, "run", "x")).error, "not loaded");
});

Deno.test("a call cycle between plugins is refused with the chain", async () => {
  await using env = await pluginEnv();
  const ping = await env.load("ping");
  await env.load("pong");
  const out = JSON.parse(await callAction(ping, "ping", "hi"));
  const inner = JSON.parse(out.ok);
  assertEquals(inner.error, "call cycle: ping → pong → ping");
});

Deno.test("plugin-to-plugin calls share the caller's time budget", async () => {
  await using env = await pluginEnv();
  const consumer = await env.load("consumer", { limits: { timeoutMs: 400 } });
  // A "provider" whose hello export loops forever.
  const provider = await env.load("loop", {
    manifest: {
      name: "provider",
      provides: [{ name: "greet", description: "", functions: ["hello"] }],
    },
  });
  await rejectsKind(callAction(consumer, "run", "x"), "timeout", "400 ms");
  // Both instances were discarded and come back fresh.
  assertEquals(await callAction(provider, "echo", "fine"), "fine");
  const echo = await env.load("echo");
  assertEquals(await callAction(echo, "echo", "fine"), "fine");
});

Deno.test("log lines go to onLog and the plugin's ring buffer", async () => {
  await using env = await pluginEnv();
  const logger = await env.load("logger");
  const out = await callAction(logger, "hello", '{"level":"warn","message":"disk almost full"}');
  assertEquals(JSON.parse(out), { ok: null });
  const lines = logger.logs.entries.map((e) => `${e.level} ${e.message}`);
  assertEquals(lines, ["warn disk almost full", "info extism says hi"]);
  assertEquals(env.logs.map((e) => e.plugin), ["logger", "logger"]);
  const bad = JSON.parse(await callAction(logger, "hello", '{"level":"loud","message":"x"}'));
  assertStringIncludes(bad.error, '"level" must be one of');
  assertStringIncludes(
    JSON.parse(await callAction(logger, "hello", "not json")).error,
    "not valid JSON",
  );
});

Deno.test("a plugin's log lines cannot forge server log lines or drive the terminal", async () => {
  await using env = await pluginEnv();
  const logger = await env.load("logger");
  const forged = "done\nerror: rungpt: forged\x1b]0;pwned\x07\x1b[2J\rok\u202Etxt.exe\u0085";
  await callAction(logger, "hello", JSON.stringify({ level: "info", message: forged }));
  const shown =
    "done\\nerror: rungpt: forged\\x1b]0;pwned\\u0007\\x1b[2J\\rok\\u202etxt.exe\\u0085";
  assertEquals(env.logs.map((e) => e.message), [shown, "extism says hi"]);
  assertEquals(logger.logs.entries.map((e) => e.message), [shown, "extism says hi"]);
  // deno-lint-ignore no-control-regex -- finding raw controls is the point
  const controls = /[\u0000-\u001f\u007f-\u009f\u202e]/;
  assert(!env.logs.some((e) => controls.test(e.message)));
});

Deno.test("a plugin's log is rate-limited; the dropped lines are counted once lines pass again", async () => {
  await using env = await pluginEnv();
  // The limiter's own clock: it stands still during the flood and moves when the test says.
  let now = 0;
  const logger = await env.load("logger", { logLimiter: new LogLimiter(undefined, () => now) });
  assertEquals(await callAction(logger, "flood", "1500"), "1500");
  const burst = DEFAULT_LOG_BUDGET.burstLines;
  assertEquals(env.logs.length, burst, "the burst passes, the rest is dropped");
  assertEquals(env.logs.at(-1)!.message, `line ${burst - 1}`);

  now += 1000; // the budget refills: a second's worth of lines may pass again
  await callAction(logger, "hello", JSON.stringify({ level: "info", message: "after" }));
  const after = env.logs.slice(burst).map((e) => `${e.level} ${e.message}`);
  assertEquals(after, [
    "warn … 1,400 lines dropped: the plugin logged faster than rungpt's log rate limit allows",
    "info after",
    "info extism says hi",
  ]);
});

Deno.test("a plugin's secret settings are taken out of its log lines", async () => {
  await using env = await pluginEnv();
  const KEY = "sk-live-0123456789";
  const logger = await env.load("logger", {
    manifest: {
      config: {
        api_key: { type: "string", description: "", secret: true },
        region: { type: "string", description: "", secret: false },
      },
    },
    config: { api_key: KEY, region: "eu-west" },
  });
  const message = `calling with key=${KEY} in eu-west`;
  await callAction(logger, "hello", JSON.stringify({ level: "debug", message }));
  assertEquals(env.logs[0].message, "calling with key=[secret api_key] in eu-west");
  assert(!logger.logs.entries.some((e) => e.message.includes(KEY)));
});

Deno.test("closed plugins refuse calls", async () => {
  await using env = await pluginEnv();
  const echo = await env.load("echo");
  await echo.close();
  await rejectsKind(callAction(echo, "echo", "x"), "not_found", "not loaded");
  await echo.close();
});

Deno.test("host-side buffers are released after every call", async () => {
  await using env = await pluginEnv();
  // Extism caps its host-side blocks at the memory limit; 40 × 300 KB would exceed 8 MiB
  // if call buffers accumulated.
  const big = await env.load("bigout", { limits: { memoryBytes: 8 * 1024 * 1024 } });
  for (let i = 0; i < 40; i++) {
    assertEquals((await callAction(big, "big", "300000")).length, 300000);
  }
});
