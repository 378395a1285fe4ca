// One MCP server process as rungpt runs it, against a fixture server (tests/fixtures/mcp)
// run under Deno with narrow permissions: the sandbox holds, a hostile server ends only its
// own call, and a crashed server starts again on the next call.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseServerConfig } from "../../lib/mcp/config.ts";
import { DEFAULT_MCP_LIMITS, type McpLimits } from "../../lib/mcp/limits.ts";
import { McpServer } from "../../lib/mcp/server.ts";

const FIXTURE = new URL("../fixtures/mcp/fixture_server.ts", import.meta.url).pathname;
const LIMITS: McpLimits = {
  ...DEFAULT_MCP_LIMITS,
  startTimeoutMs: 30_000,
  callTimeoutMs: 1_500,
  listTimeoutMs: 5_000,
  maxMessageChars: 4 * 1024 * 1024,
};

/** A fixture server in `mode`, with `permissions`; its config bypasses the npm-only rule. */
async function fixture(
  mode: string,
  permissions: Record<string, string[]> = {},
  limits: Partial<McpLimits> = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-mcp-" });
  const config = {
    ...parseServerConfig({ source: "npm:placeholder", permissions }),
    source: FIXTURE,
    args: [mode],
  };
  const ctx = {
    denoPath: Deno.execPath(),
    serverDir: join(dir, "server"),
    env: Deno.env.toObject(),
  };
  const server = new McpServer("fixture", config, ctx, { ...LIMITS, ...limits });
  return {
    server,
    dir,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("mcp server: what it was not granted, Deno refuses inside the server; the call still answers", async () => {
  await using f = await fixture("ok", { read: [] });
  const secret = join(f.dir, "secret.txt");
  await Deno.writeTextFile(secret, "top secret");
  // HOME is in the server's environment (Deno needs it), yet the server may not read it.
  const text = await f.server.call("probe", { env: "HOME", path: secret });
  assert.match(text, /env HOME: refused: NotCapable/);
  assert.match(text, /read .*secret\.txt: refused: NotCapable/);
  assert.ok(!text.includes("top secret"));
});

Deno.test("mcp server: a granted path and env name are readable, and only those", async () => {
  const allowed = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(allowed, "a.txt"), "alpha");
    await using f = await fixture("ok", { read: [allowed], env: ["HOME"] });
    const text = await f.server.call("probe", { env: "HOME", path: join(allowed, "a.txt") });
    assert.match(text, /env HOME: \//);
    assert.match(text, /read .*a\.txt: alpha/);
  } finally {
    await Deno.remove(allowed, { recursive: true });
  }
});

Deno.test("mcp server: garbage on stdout is skipped and logged; tools are listed and called", async () => {
  await using f = await fixture("ok");
  const tools = await f.server.tools();
  assert.deepEqual(tools.map((t) => t.name), [
    "big",
    "crash",
    "echo",
    "flood",
    "grow",
    "hang",
    "probe",
  ]);
  assert.equal(await f.server.call("echo", { a: 1 }), '{"a":1}');
  assert.deepEqual(f.server.state, { state: "connected", tools: 7 });
  assert.ok(f.server.log.some((l) => l.message.includes("not a JSON-RPC message")));
  assert.ok(f.server.log.some((l) => l.message === "fixture server starting"), "stderr is logged");
});

Deno.test("mcp server: a call that never answers fails at the time limit; the server keeps serving", async () => {
  await using f = await fixture("ok");
  await assert.rejects(
    f.server.call("hang", {}),
    /tool "hang": the call exceeded the time limit of 1500 ms/,
  );
  assert.equal(await f.server.call("echo", { b: 2 }), '{"b":2}');
});

Deno.test("mcp server: a call cancelled by its signal ends at once with the signal's reason", async () => {
  await using f = await fixture("ok");
  await f.server.tools();
  const stop = new AbortController();
  const call = f.server.call("hang", {}, stop.signal);
  stop.abort(new Error("stopped by the user"));
  await assert.rejects(call, /stopped by the user/);
  assert.equal(await f.server.call("echo", {}), "{}");
});

Deno.test("mcp server: output above the cap is the call's error", async () => {
  await using f = await fixture("ok", {}, { callTimeoutMs: 60_000 });
  await assert.rejects(f.server.call("big", {}), /above the limit of 1048576/);
});

Deno.test("mcp server: a line without end stops the server at the message limit; the next call starts it again", async () => {
  // A generous time limit: the message limit, not the clock, must end this call.
  await using f = await fixture("ok", {}, { maxMessageChars: 1024 * 1024, callTimeoutMs: 60_000 });
  await assert.rejects(f.server.call("flood", {}), /stopped during the call/);
  assert.ok(f.server.log.some((l) => l.message.includes("exceeded 1048576 characters")));
  assert.equal(await f.server.call("echo", { again: true }), '{"again":true}');
});

Deno.test("mcp server: a crashed server is reported and started again on the next call", async () => {
  await using f = await fixture("ok");
  await assert.rejects(f.server.call("crash", {}), /stopped during the call/);
  const state = f.server.state;
  assert.equal(state.state, "failed");
  assert.match(state.state === "failed" ? state.reason : "", /exited/);
  assert.equal(await f.server.call("echo", { back: 1 }), '{"back":1}');
  assert.equal(f.server.state.state, "connected");
});

Deno.test("mcp server: one that crashes again before any call answered waits before its next start", async () => {
  await using f = await fixture("ok", {}, { restartBackoffMs: 60_000 });
  await assert.rejects(f.server.call("crash", {}), /stopped during the call/);
  await assert.rejects(f.server.call("crash", {}), /stopped during the call/);
  await assert.rejects(
    f.server.call("echo", {}),
    /failed: the server exited; it is tried again in 60 s/,
  );
});

Deno.test("mcp server: a tool list in endless empty pages is refused", async () => {
  await using f = await fixture("pages");
  await assert.rejects(f.server.tools(), /more than 50 pages/);
});

Deno.test("mcp server: one that never answers the handshake fails to start, with its reason", async () => {
  await using f = await fixture("silent", {}, { startTimeoutMs: 1_500 });
  await assert.rejects(f.server.tools(), /could not start: .*timed out/i);
  assert.equal(f.server.state.state, "failed");
});

Deno.test("mcp server: a tool list above the bound is refused", async () => {
  await using f = await fixture("many");
  await assert.rejects(f.server.tools(), /more than 200 tools/);
});

Deno.test("mcp server: tool names map to action names; unfit names and huge schemas are left out", async () => {
  await using f = await fixture("odd");
  const tools = await f.server.tools();
  assert.deepEqual(tools.map((t) => [t.name, t.mcpName]), [["fine", "fine"], [
    "get_time",
    "getTime",
  ]]);
  const log = f.server.log.map((l) => l.message).join("\n");
  assert.match(log, /tool "9lives" left out/);
  assert.match(log, /tool "huge" left out: its input schema has \d+ bytes/);
});

Deno.test("mcp server: notifications/tools/list_changed lists its tools again; the new tool is callable", async () => {
  await using f = await fixture("ok");
  assert.ok(!(await f.server.tools()).some((t) => t.name === "grown"));
  assert.equal(await f.server.call("grow", {}), "grown");
  // The notification arrives before the reply; its listing may still be under way.
  for (let i = 0; i < 100 && !(await f.server.tools()).some((t) => t.name === "grown"); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok((await f.server.tools()).some((t) => t.name === "grown"), "the catalogue refreshed");
  assert.deepEqual(f.server.state, { state: "connected", tools: 8 });
  assert.equal(await f.server.call("grown", {}), "I am new");
  assert.ok(f.server.log.some((l) => l.message === "its tools changed: 8 now"));
});

Deno.test("mcp server: an unsandboxed command runs as given, with the user's rights and only the login env", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-mcp-" });
  try {
    const secret = join(dir, "secret.txt");
    await Deno.writeTextFile(secret, "readable outside the sandbox");
    const config = parseServerConfig({
      source: Deno.execPath(),
      unsandboxed: true,
      args: ["run", "-A", FIXTURE, "ok"],
      env: { GIVEN: "yes" },
    });
    const ctx = {
      denoPath: "/nonexistent/deno", // Not used: the command is run as given.
      serverDir: join(dir, "server"),
      env: { ...Deno.env.toObject(), OPENAI_API_KEY: "sk-not-for-servers" },
    };
    const server = new McpServer("cmd", config, ctx, LIMITS);
    try {
      const read = await server.call("probe", { env: "GIVEN", path: secret });
      assert.match(read, /env GIVEN: yes/);
      assert.match(read, /readable outside the sandbox/);
      const key = await server.call("probe", { env: "OPENAI_API_KEY", path: "/nonexistent" });
      assert.match(key, /env OPENAI_API_KEY: \(unset\)/, "rungpt's own secrets are not passed on");
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
