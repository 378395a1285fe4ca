// rungpt as an MCP server: the SDK's own Client drives `/mcp` on a real running rungpt
// (Streamable HTTP) and the real `rungpt mcp serve` CLI (stdio), with the example plugins
// installed by the real installer. Checks: the plugins' actions are listed and run in their
// sandboxes; confirm-actions ask through elicitation (or are refused, saying why); a cancelled
// call stops its worker; the token, Host and Origin guards hold; an MCP server rungpt itself
// uses is not offered.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  type CallToolResult,
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type Tool as McpTool,
} from "@modelcontextprotocol/sdk/types.js";
import { runMcpCommand } from "../../lib/mcp/cli.ts";
import { loadSettings } from "../../lib/store/settings.ts";
import { installPlugins, LOOPER, TEXT_ARGS } from "../support/action_fixtures.ts";
import { installExamples } from "../support/example_plugins.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";

const ROOT = join(import.meta.dirname!, "..", "..");

const GUARDED = {
  name: "guarded",
  wasm: "echo",
  actions: [
    { name: "echo", description: "Echoes, once allowed.", parameters: TEXT_ARGS, confirm: true },
    {
      name: "peek",
      description: "Echoes; changes nothing.",
      parameters: TEXT_ARGS,
      export: "echo",
      readOnly: true,
    },
  ],
};

/** What Deno needs to find its cache and reach the npm registry, from the test's environment. */
function denoEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The text of a tool result's one text part. */
function textOf(result: unknown): string {
  const { content } = result as CallToolResult;
  assert.equal(content.length, 1, JSON.stringify(content));
  assert.equal(content[0].type, "text");
  return (content[0] as { text: string }).text;
}

/** An SDK client connected to `rg`'s `/mcp`, with `capabilities` declared. */
async function httpClient(
  rg: TestRungpt,
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<Client & AsyncDisposable> {
  const client = new Client({ name: "mcp-serve-test", version: "1.0.0" }, capabilities);
  const transport = new StreamableHTTPClientTransport(new URL(`${rg.origin}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${rg.token}` } },
  });
  await client.connect(transport);
  return Object.assign(client, {
    async [Symbol.asyncDispose]() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  });
}

/** Lists and calls the examples' actions through `client`. */
async function checkExamples(client: Client): Promise<void> {
  const tools: McpTool[] = (await client.listTools()).tools;
  const byName = new Map(tools.map((t) => [t.name, t]));
  const upper = byName.get("textDtransform__uppercase");
  assert.ok(upper, `listed: ${[...byName.keys()].join(", ")}`);
  assert.equal(upper.title, "text-transform.uppercase");
  assert.equal(upper.description, "Converts text to UPPER CASE.");
  assert.equal(upper.inputSchema.type, "object");
  assert.deepEqual(upper.inputSchema.required, ["text"]);
  assert.ok(byName.has("checksum__digest") && byName.has("checksum__hexdump"));

  const up = await client.callTool({
    name: "textDtransform__uppercase",
    arguments: { text: "héllo" },
  });
  assert.equal(up.isError, undefined);
  assert.match(textOf(up), /HÉLLO/);
  const digest = await client.callTool({
    name: "checksum__digest",
    arguments: { text: "abc", algorithm: "sha256" },
  });
  assert.match(
    textOf(digest),
    /ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/,
  );

  // Arguments the schema refuses never reach the plugin; the client reads why.
  const bad = await client.callTool({ name: "checksum__digest", arguments: { text: 42 } });
  assert.equal(bad.isError, true);
  assert.match(textOf(bad), /text/);
  await assert.rejects(
    client.callTool({ name: "nope__nothing", arguments: {} }),
    /Unknown tool "nope__nothing"/,
  );
}

Deno.test("mcp serve, HTTP: /mcp lists the example plugins' actions and runs them; rungpt's own MCP servers are not offered", async () => {
  await using rg = await startRungpt({ env: denoEnv() });
  await installExamples(rg, ["text-transform", "checksum"]);
  const memDir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(memDir);
  const added = await runMcpCommand([
    "add",
    "memory",
    "npm:@modelcontextprotocol/server-memory",
    `--allow-read=${memDir}`,
    `--allow-write=${memDir}`,
    "--env",
    `MEMORY_FILE_PATH=${memDir}/graph.jsonl`,
    "--yes",
  ], {
    dataDir: rg.dataDir,
    pluginsDir: rg.pluginsDir,
    env: denoEnv(),
    isTerminal: false,
    stdout: () => {},
    stderr: () => {},
  });
  assert.equal(added, 0);
  // rungpt's chat uses the memory server's tools...
  const own = await rg.server.services.tools.list();
  assert.ok(own.some((t) => t.owner === "memory" && t.source === "mcp"));

  await using client = await httpClient(rg);
  await checkExamples(client);
  // ...but /mcp offers only the wasm plugins.
  const tools: McpTool[] = (await client.listTools()).tools;
  assert.deepEqual(tools.filter((t) => !/^(textDtransform|checksum)__/.test(t.name)), []);
  await assert.rejects(
    client.callTool({ name: "memory__read_graph", arguments: {} }),
    /Unknown tool/,
  );
});

Deno.test("mcp serve, HTTP: a confirm action asks through elicitation (readOnly is a hint); without it, it is refused saying why; Always allow is saved and counts", async () => {
  await using rg = await startRungpt();
  await installPlugins(rg, [GUARDED]);

  await using plain = await httpClient(rg);
  // The manifest's readOnly is passed on as the hint; no claim, no hint.
  const listed: McpTool[] = (await plain.listTools()).tools;
  const hints = Object.fromEntries(listed.map((t) => [t.name, t.annotations?.readOnlyHint]));
  assert.deepEqual(hints, { guarded__echo: undefined, guarded__peek: true });
  assert.deepEqual(
    listed.map((t) => t.annotations?.openWorldHint),
    [false, false],
    "no hosts granted",
  );
  const refused = await plain.callTool({ name: "guarded__echo", arguments: { text: "hi" } });
  assert.equal(refused.isError, true);
  assert.match(textOf(refused), /guarded\.echo asks the user .* cannot ask .*elicitation/);

  const answers: ElicitResult[] = [
    { action: "accept", content: { always: false } },
    { action: "decline" },
    { action: "accept", content: { always: true } },
  ];
  const asked: string[] = [];
  await using asking = await httpClient(rg, { capabilities: { elicitation: { form: {} } } });
  asking.setRequestHandler(ElicitRequestSchema, (req: ElicitRequest) => {
    asked.push(req.params.message);
    return answers.shift()!;
  });
  const once = await asking.callTool({ name: "guarded__echo", arguments: { text: "once" } });
  assert.match(textOf(once), /once/);
  assert.equal(once.isError, undefined);
  assert.match(asked[0], /guarded\.echo .*"text":"once"/);
  const declined = await asking.callTool({ name: "guarded__echo", arguments: { text: "no" } });
  assert.equal(declined.isError, true);
  assert.match(textOf(declined), /denied/);
  assert.deepEqual((await loadSettings(rg.dataDir)).alwaysAllowed ?? [], []);
  const always = await asking.callTool({ name: "guarded__echo", arguments: { text: "ok" } });
  assert.match(textOf(always), /ok/);
  assert.equal(asked.length, 3);
  assert.deepEqual((await loadSettings(rg.dataDir)).alwaysAllowed, ["guarded.echo"]);

  // The saved answer counts for every client, also one that cannot ask.
  const allowed = await plain.callTool({ name: "guarded__echo", arguments: { text: "now" } });
  assert.equal(allowed.isError, undefined);
  assert.match(textOf(allowed), /now/);
});

Deno.test("mcp serve, HTTP: a cancelled call stops its sandboxed worker; the plugin answers the next call; output is capped as in chat", async () => {
  await using rg = await startRungpt({ env: { RUNGPT_ACTION_TIMEOUT_MS: "20000" } });
  // A provider runs one call at a time: a worker left spinning would block the next call
  // until its time limit.
  await installPlugins(rg, [{ ...LOOPER, provides: [{ name: "spinner", functions: ["hello"] }] }, {
    name: "big",
    wasm: "bigout",
    actions: [{
      name: "big",
      input: "text",
      parameters: { type: "object", properties: { n: { type: "string" } }, required: ["n"] },
    }],
  }]);
  await using client = await httpClient(rg);
  assert.match(
    textOf(await client.callTool({ name: "looper__echo", arguments: { text: "warm" } })),
    /warm/,
  );

  const stop = new AbortController();
  const spinning = client.callTool({ name: "looper__spin", arguments: {} }, undefined, {
    signal: stop.signal,
  });
  await new Promise((r) => setTimeout(r, 300));
  stop.abort("enough");
  await assert.rejects(spinning);
  // Well under the 20 s a worker left spinning would hold the plugin for.
  const next = await client.callTool(
    { name: "looper__echo", arguments: { text: "alive" } },
    undefined,
    { timeout: 10_000 },
  );
  assert.equal(next.isError, undefined, textOf(next));
  assert.match(textOf(next), /alive/);

  // The output caps of a chat hold too: the result passed on, and the module's own output.
  const long = textOf(await client.callTool({ name: "big__big", arguments: { n: "40000" } }));
  assert.equal(long, `${"x".repeat(32_000)}\n[… 8000 more characters cut]`);
  const huge = await client.callTool({ name: "big__big", arguments: { n: "2000000" } });
  assert.equal(huge.isError, true);
  assert.match(textOf(huge), /output/i);
});

Deno.test("mcp serve, HTTP: no token is 401, a foreign Origin is refused (Host: security_test.ts), an unknown session is 404", async () => {
  await using rg = await startRungpt();
  const init = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "curl", version: "1" },
    },
  };
  const post = (headers: Record<string, string>) =>
    fetch(`${rg.origin}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(init),
    });
  const bearer = { authorization: `Bearer ${rg.token}` };

  const noToken = await post({});
  assert.equal(noToken.status, 401);
  assert.match((await noToken.json()).error.message, /Missing access token/);
  const wrong = await post({ authorization: "Bearer nope" });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();

  const foreign = await post({ ...bearer, origin: "https://evil.example" });
  assert.equal(foreign.status, 403);
  assert.match((await foreign.json()).error, /Cross-origin request from "https:\/\/evil\.example"/);
  const foreignGet = await fetch(`${rg.origin}/mcp`, {
    headers: { ...bearer, origin: "https://evil.example", accept: "text/event-stream" },
  });
  assert.equal(foreignGet.status, 403);
  await foreignGet.body?.cancel();

  const ok = await post({ ...bearer, origin: rg.origin });
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get("mcp-session-id"));
  await ok.body?.cancel();
  const gone = await fetch(`${rg.origin}/mcp`, {
    method: "POST",
    headers: {
      ...bearer,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": "not-a-session",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
  });
  assert.equal(gone.status, 404);
  assert.match((await gone.json()).error.message, /Session not found/);
});

/** The arguments of `deno task mcp-serve`, with rungpt's config and main.ts as absolute paths. */
async function mcpServeArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words = (config.tasks["mcp-serve"] as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  return words.slice(1).map((w) => w === "main.ts" ? join(ROOT, "main.ts") : w)
    .toSpliced(1, 0, `--config=${join(ROOT, "deno.json")}`);
}

Deno.test("mcp serve, stdio: the CLI, started as an mcpServers entry starts it, lists and runs the examples' actions", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-data-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-plugins-" });
  const elsewhere = await Deno.makeTempDir({ prefix: "rungpt-cwd-" });
  try {
    await installExamples({ dataDir, pluginsDir }, ["text-transform", "checksum"]);
    await installPlugins({ dataDir, pluginsDir }, [GUARDED]);
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: await mcpServeArgs(),
      cwd: elsewhere,
      env: {
        ...denoEnv(),
        RUNGPT_DATA_DIR: dataDir,
        RUNGPT_PLUGINS_DIR: pluginsDir,
        NO_COLOR: "1",
      },
      stderr: "pipe",
    });
    const stderr: string[] = [];
    transport.stderr?.on(
      "data",
      (chunk: Uint8Array) => stderr.push(new TextDecoder().decode(chunk)),
    );
    const client = new Client({ name: "mcp-serve-test", version: "1.0.0" });
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, "rungpt");
      await checkExamples(client);
      const refused = await client.callTool({ name: "guarded__echo", arguments: { text: "x" } });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /cannot ask/);
    } finally {
      await client.close();
    }
    assert.equal(stderr.join("").match(/error/i), null, stderr.join(""));
  } finally {
    for (const dir of [dataDir, pluginsDir, elsewhere]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
});
