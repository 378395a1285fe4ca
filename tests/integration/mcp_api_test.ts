// The MCP servers' JSON API (/api/mcp) with real servers from npm: a preview that saves
// nothing, errors that name the field, the one namespace with plugins, adding
// @modelcontextprotocol/server-memory with a narrow grant (connected, 9 tools, its log),
// disabling, enabling and removing it; env values never leave the server; a server that fails
// shows why.
import assert from "node:assert/strict";
import { join } from "node:path";
import { mcpConfigPath, parseServerConfig } from "../../lib/mcp/config.ts";
import { addServer, setServerEnabled } from "../../lib/mcp/servers.ts";
import type { McpLogEntry } from "../../lib/mcp/server.ts";
import type { McpServerView } from "../../lib/mcp/views.ts";
import { installPlugins, putSettings, waitFor } from "../support/action_fixtures.ts";
import { denoEnv } from "../support/mcp.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";

const MEMORY = "npm:@modelcontextprotocol/server-memory";
const SECRET = "value-never-sent-to-the-browser-42";

async function call(rg: TestRungpt, method: string, path: string, json?: unknown) {
  const res = await rg.api(path, { method, json });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

const list = async (rg: TestRungpt): Promise<McpServerView[]> =>
  (await call(rg, "GET", "/api/mcp")).body.servers;

/** Polls the list until `name` is no longer starting. */
const settled = (rg: TestRungpt, name: string) =>
  waitFor(`${name} to start or fail`, async () => {
    const s = (await list(rg)).find((v) => v.name === name);
    return s && s.state !== "starting" && s.state !== "stopped" ? s : undefined;
  });

Deno.test("mcp api: preview, field errors, add server-memory, disable, enable, remove; env values stay on the server", async () => {
  await using rg = await startRungpt({ env: denoEnv() });
  await installPlugins(rg, [{ name: "probe", wasm: "echo", actions: [{ name: "echo" }] }]);
  const dir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(dir);
  const input = {
    name: "memory",
    source: MEMORY,
    permissions: { read: [dir], write: [dir] },
    env: { MEMORY_FILE_PATH: join(dir, "graph.jsonl"), API_KEY: SECRET },
    trustReadOnly: true,
  };

  // Errors name the field (as `kind`) and save nothing.
  const bad = [
    [{ ...input, source: "uvx mcp-server" }, 400, "source", /source: must be npm:/],
    [{ ...input, permissions: { read: ["relative/dir"] } }, 400, "permissions.read.0", /absolute/],
    [{ ...input, permissions: { net: ["not a host"] } }, 400, "permissions.net.0", /host/],
    [{ ...input, env: { "1BAD": "x" } }, 400, "env.1BAD", /env/],
    [{ ...input, name: "Bad Name" }, 400, "name", /not a valid name/],
    [{ ...input, name: "probe" }, 409, "taken", /a plugin named "probe" is installed/],
    [{ ...input, unknownField: 1 }, 400, undefined, /unknownField/],
    // An unsandboxed command is the terminal's to add (`rungpt mcp add --unsandboxed`), not a page's.
    [{ ...input, unsandboxed: true }, 400, undefined, /unsandboxed/],
    [{ ...input, headers: { Authorization: "x" } }, 400, "headers", /remote/],
  ] as const;
  for (const [body, status, kind, message] of bad) {
    const res = await call(rg, "POST", "/api/mcp", body);
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.kind, kind, res.text);
    assert.match(res.body.error, message);
  }

  // Without `confirmed`: what would be granted, env values masked, nothing saved or started.
  const preview = await call(rg, "POST", "/api/mcp", input);
  assert.equal(preview.status, 200, preview.text);
  const p: McpServerView = preview.body.preview;
  assert.deepEqual([p.read, p.write, p.net], [[dir], [dir], []]);
  assert.deepEqual(p.env, [
    { name: "MEMORY_FILE_PATH", value: "stored" },
    { name: "API_KEY", value: "stored" },
  ]);
  assert.equal(p.trustReadOnly, true);
  assert.ok(!preview.text.includes(SECRET));
  await assert.rejects(Deno.stat(mcpConfigPath(rg.dataDir)), Deno.errors.NotFound);
  assert.deepEqual(await list(rg), []);

  // A remote server's headers: their names are shown, their values never leave the server.
  const remote = await call(rg, "POST", "/api/mcp", {
    name: "remote",
    source: "https://mcp.example.com/mcp",
    headers: { Authorization: `Bearer ${SECRET}` },
  });
  assert.equal(remote.status, 200, remote.text);
  assert.equal(remote.body.preview.kind, "remote");
  assert.deepEqual(remote.body.preview.headers, ["Authorization"]);
  assert.ok(!remote.text.includes(SECRET));

  // Confirmed: saved and started.
  const added = await call(rg, "POST", "/api/mcp", { ...input, confirmed: true });
  assert.equal(added.status, 201, added.text);
  assert.ok(["starting", "connected"].includes(added.body.server.state), added.text);
  const up = await settled(rg, "memory");
  assert.equal(up.state, "connected", up.reason ?? "");
  assert.equal(up.tools, 9);
  assert.equal(
    (await call(rg, "POST", "/api/mcp", { ...input, confirmed: true })).status,
    409,
    "a second add of the same name",
  );

  // Its log: the tail in the list, the whole recent log on its own.
  const one = await call(rg, "GET", "/api/mcp/memory");
  assert.equal(one.status, 200);
  const log: McpLogEntry[] = one.body.log;
  assert.ok(
    log.some((l) => /Knowledge Graph MCP Server running on stdio/.test(l.message)),
    one.text,
  );
  assert.deepEqual(up.logTail, log.slice(-up.logTail.length));
  for (
    const text of [
      one.text,
      JSON.stringify(await list(rg)),
      await (await rg.api("/plugins")).text(),
    ]
  ) {
    assert.ok(!text.includes(SECRET), "an env value reached the browser");
  }

  // Disabled: its process stops and its tools leave the catalogue.
  const off = await call(rg, "PATCH", "/api/mcp/memory", { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.server.state, "disabled");
  assert.ok(!(await rg.server.services.tools.list()).some((t) => t.owner === "memory"));
  const wrong = await call(rg, "PATCH", "/api/mcp/memory", { enabled: "yes" });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.error, /enabled/);

  // Enabled: started again.
  const on = await call(rg, "PATCH", "/api/mcp/memory", { enabled: true });
  assert.equal(on.status, 200, on.text);
  assert.equal((await settled(rg, "memory")).tools, 9);

  // Removed: config, folder and "Always allow" answers go.
  await putSettings(rg, { alwaysAllowed: ["memory.read_graph", "probe.echo"] });
  const removed = await call(rg, "DELETE", "/api/mcp/memory");
  assert.equal(removed.status, 204);
  assert.deepEqual(await list(rg), []);
  await assert.rejects(Deno.stat(join(rg.dataDir, "mcp", "memory")), Deno.errors.NotFound);
  const settings = (await call(rg, "GET", "/api/settings")).body;
  assert.deepEqual(settings.actions.alwaysAllowed, ["probe.echo"]);
  for (const [method, body] of [["GET"], ["DELETE"], ["PATCH", { enabled: true }]] as const) {
    const res = await call(rg, method, "/api/mcp/memory", body);
    assert.equal(res.status, 404, `${method}: ${res.text}`);
    assert.match(res.body.error, /no MCP server named "?memory/i);
  }
});

Deno.test("mcp api: a server that exits at start is failed with the reason and its stderr", async () => {
  await using rg = await startRungpt({ env: denoEnv() });
  // server-filesystem exits when none of the folders it is told to serve can be read.
  const added = await call(rg, "POST", "/api/mcp", {
    name: "files",
    source: "npm:@modelcontextprotocol/server-filesystem",
    permissions: { env: ["__MINIMATCH_TESTING_PLATFORM__"] },
    args: [join(rg.dataDir, "no-such-folder")],
    confirmed: true,
  });
  assert.equal(added.status, 201, added.text);
  const failed = await settled(rg, "files");
  assert.equal(failed.state, "failed");
  assert.match(failed.reason!, /could not start/);
  assert.ok(
    failed.logTail.some((l) => /None of the specified directories are accessible/.test(l.message)),
    failed.logTail.map((l) => l.message).join("\n"),
  );
  // The server stays responsive and the others' answers are whole.
  assert.equal((await call(rg, "GET", "/api/plugins")).status, 200);
});

Deno.test("mcp api: a broken mcp.json is named on the page and in the API; plugins stay usable", async () => {
  await using rg = await startRungpt();
  await Deno.writeTextFile(mcpConfigPath(rg.dataDir), "{ not json");
  const res = await call(rg, "GET", "/api/mcp");
  assert.equal(res.status, 409);
  assert.match(res.body.error, /mcp\.json is not valid JSON/);
  const page = await rg.api("/plugins");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /mcp\.json is not valid JSON/);
  const add = await call(rg, "POST", "/api/mcp", { name: "x", source: MEMORY, confirmed: true });
  assert.equal(add.status, 409, add.text);
  assert.equal(await Deno.readTextFile(mcpConfigPath(rg.dataDir)), "{ not json", "left as it was");
});

Deno.test("mcp api: a server added by the CLI is stopped until used; Start now starts it; a disabled one is not started", async () => {
  await using rg = await startRungpt({ env: denoEnv() });
  const dirs = { dataDir: rg.dataDir, pluginsDir: rg.pluginsDir };
  const dir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(dir);
  const config = parseServerConfig({
    source: MEMORY,
    permissions: { read: [dir], write: [dir] },
    env: { MEMORY_FILE_PATH: join(dir, "graph.jsonl") },
  });
  await addServer("memory", config, dirs);
  assert.equal((await list(rg))[0].state, "stopped");
  const started = await call(rg, "POST", "/api/mcp/memory/start");
  assert.equal(started.status, 200, started.text);
  const up = await settled(rg, "memory");
  assert.equal(up.tools, 9, up.reason ?? "");

  await setServerEnabled(rg.dataDir, "memory", false);
  const refused = await call(rg, "POST", "/api/mcp/memory/start");
  assert.equal(refused.status, 409);
  assert.match(refused.body.error, /disabled; enable it/);
  assert.equal((await list(rg))[0].state, "disabled");
  assert.equal((await call(rg, "POST", "/api/mcp/nope/start")).status, 404);
});
