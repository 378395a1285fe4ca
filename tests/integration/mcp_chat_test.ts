// Real MCP servers from npm (@modelcontextprotocol/server-memory and server-filesystem), added
// with `rungpt mcp add --yes` and narrow permissions, listed by the tool catalogue beside the
// plugins and called in chat turns through the scripted model, as plugin actions are.
import assert from "node:assert/strict";
import { join } from "node:path";
import { mcpConfigPath } from "../../lib/mcp/config.ts";
import OpenAI from "openai";
import { toolName } from "../../lib/tools/openai.ts";
import { toolId } from "../../lib/tools/tool.ts";
import {
  hasResults,
  installPlugins,
  lastContent,
  messagesOf,
  metaOf,
  newConversation,
  putSettings,
  resultBlocks,
  TEXT_ARGS,
  toolResults,
  turn,
} from "../support/action_fixtures.ts";
import { denoEnv, runMcp } from "../support/mcp.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

/** Runs `rungpt mcp <args>` against `rg`'s data and plugins dirs, without a terminal. */
const mcp = (rg: TestRungpt, args: string[]) => runMcp(rg, args);

/** The model calls `tag` once, then answers with the result it got. */
function callOnce(tag: () => string) {
  return (req: RecordedRequest): Reply => {
    if (hasResults(req)) {
      const [block] = resultBlocks(lastContent(req));
      return { text: `Result: ${block.error ? "error: " : ""}${block.body}` };
    }
    return { text: `Calling. ${tag()}` };
  };
}

Deno.test("mcp: server-memory added with --yes and a narrow grant; its tools are actions a chat turn calls", async () => {
  let tag = "";
  await using model = await startScriptedModel({ responder: callOnce(() => tag) });
  await using rg = await startRungpt({ model, env: denoEnv() });
  await installPlugins(rg, [{
    name: "probe",
    wasm: "echo",
    actions: [{ name: "echo", description: "Echoes.", parameters: TEXT_ARGS }],
  }]);
  await putSettings(rg, { actionMode: "tags" });
  const memDir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(memDir);
  const add = [
    "add",
    "memory",
    "npm:@modelcontextprotocol/server-memory",
    `--allow-read=${memDir}`,
    `--allow-write=${memDir}`,
    "--env",
    `MEMORY_FILE_PATH=${memDir}/graph.jsonl`,
  ];

  // Without a terminal and without --yes, nothing is added.
  const refused = await mcp(rg, add);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /no terminal to ask; re-run with --yes/);
  assert.match(refused.out, /write: .*memory-files/);
  await assert.rejects(Deno.stat(mcpConfigPath(rg.dataDir)), Deno.errors.NotFound);

  // A plugin's name is taken: one namespace.
  const clash = await mcp(rg, ["add", "probe", "npm:@modelcontextprotocol/server-memory", "--yes"]);
  assert.equal(clash.code, 1);
  assert.match(clash.err, /a plugin named "probe" is installed/);

  const added = await mcp(rg, [...add, "--yes"]);
  assert.equal(added.code, 0, added.err);
  assert.equal((await Deno.stat(mcpConfigPath(rg.dataDir))).mode! & 0o777, 0o600);
  const listed = await mcp(rg, ["list"]);
  assert.match(listed.out, /memory {2}npm:@modelcontextprotocol\/server-memory {2}enabled/);
  assert.match(listed.out, /MEMORY_FILE_PATH \(value set, hidden\)/);
  assert.ok(!listed.out.includes("graph.jsonl"), "env values are never shown");

  // Its name is taken for plugins too.
  await assert.rejects(
    installPlugins(rg, [{ name: "memory", wasm: "echo", actions: [{ name: "echo" }] }]),
    /an MCP server named "memory" is added/,
  );
  // `rungpt mcp tools` starts it on its own and lists its tools as actions.
  const own = await mcp(rg, ["tools", "memory"]);
  assert.equal(own.code, 0, own.err);
  assert.match(own.out, /^memory: 9 tools$/m);
  assert.match(own.out, /memory\.read_graph \(says read-only\)/);

  // Listed by the catalogue beside the plugin, asking first by default.
  const tools = await rg.server.services.tools.list();
  const ids = tools.map(toolId);
  assert.ok(ids.includes("probe.echo"));
  const create = tools.find((t) => toolId(t) === "memory.create_entities");
  assert.ok(create, ids.join(", "));
  assert.equal(create.source, "mcp");
  assert.equal(create.spec.confirm, true);
  assert.deepEqual(create.access.paths, [{ path: memDir, access: "read-write" }]);
  assert.equal(rg.server.services.mcp.log("memory").length > 0, true, "its stderr is logged");

  // A chat turn calls it ("Always allow" given in advance) and gets its result.
  await putSettings(rg, { alwaysAllowed: ["memory.create_entities"] });
  const entity = { name: "Ada", entityType: "person", observations: ["wrote the first program"] };
  tag = `<action name="memory.create_entities">${JSON.stringify({ entities: [entity] })}</action>`;
  const conv = await newConversation(rg);
  const message = await turn(rg, conv.id, "Remember Ada");
  const [call] = metaOf(message).actions!;
  assert.equal(call.status, "done", call.error);
  assert.match(call.result!, /"name": "Ada"/);
  assert.match(message.content, /Result: .*Ada/s);
  assert.match(await Deno.readTextFile(join(memDir, "graph.jsonl")), /wrote the first program/);

  // Disabled: its tools leave the catalogue.
  assert.equal((await mcp(rg, ["disable", "memory"])).code, 0);
  assert.ok(!(await rg.server.services.tools.list()).some((t) => t.owner === "memory"));

  // Removed: without --yes and a terminal it stays; with --yes its config and folder go.
  assert.match((await mcp(rg, ["remove", "memory"])).err, /re-run with --yes/);
  assert.equal((await mcp(rg, ["remove", "memory", "--yes"])).code, 0);
  assert.match((await mcp(rg, ["list"])).out, /^No MCP servers/);
  await assert.rejects(Deno.stat(join(rg.dataDir, "mcp", "memory")), Deno.errors.NotFound);
});

Deno.test("mcp: server-filesystem granted only dir A cannot read dir B even when told to serve it; the turn goes on", async () => {
  let tag = "";
  await using model = await startScriptedModel({ responder: callOnce(() => tag) });
  await using rg = await startRungpt({ model, env: denoEnv() });
  await putSettings(rg, { actionMode: "tags" });
  const a = join(rg.dataDir, "A"), b = join(rg.dataDir, "B");
  await Deno.mkdir(a);
  await Deno.mkdir(b);
  await Deno.writeTextFile(join(a, "open.txt"), "visible content");
  await Deno.writeTextFile(join(b, "secret.txt"), "the secret in B");
  const added = await mcp(rg, [
    "add",
    "files",
    "npm:@modelcontextprotocol/server-filesystem",
    `--allow-read=${a}`,
    "--allow-env=__MINIMATCH_TESTING_PLATFORM__",
    "--yes",
    "--",
    a,
    b,
  ]);
  assert.equal(added.code, 0, added.err);
  await putSettings(rg, { alwaysAllowed: ["files.read_text_file"] });

  tag = `<action name="files.read_text_file">${
    JSON.stringify({ path: join(a, "open.txt") })
  }</action>`;
  const ok = await turn(rg, (await newConversation(rg)).id, "Read A");
  assert.equal(metaOf(ok).actions![0].status, "done", metaOf(ok).actions![0].error);
  assert.match(metaOf(ok).actions![0].result!, /visible content/);

  tag = `<action name="files.read_text_file">${
    JSON.stringify({ path: join(b, "secret.txt") })
  }</action>`;
  const before = model.chatRequests().length;
  const denied = await turn(rg, (await newConversation(rg)).id, "Read B");
  const [call] = metaOf(denied).actions!;
  assert.equal(call.status, "error");
  assert.match(call.error!, /denied|outside allowed/i);
  assert.equal(denied.status, "complete");
  for (const req of model.chatRequests().slice(before)) {
    assert.ok(!JSON.stringify(messagesOf(req)).includes("the secret in B"));
  }
  // The server asked for B at start; Deno refused, so it never served it.
  const log = rg.server.services.mcp.log("files").map((l) => l.message).join("\n");
  assert.match(log, /Cannot access directory .*B/);
});

Deno.test("mcp: through /v1 in native mode an MCP tool is an OpenAI tool; allowed in advance it runs, else it is denied", async () => {
  let call = "";
  await using model = await startScriptedModel({
    responder: (req) => {
      const results = toolResults(req);
      if (results.length) return { text: `Tool said: ${results[0][1]}` };
      return { toolCalls: [{ name: call, arguments: "{}" }] };
    },
  });
  await using rg = await startRungpt({ model, env: denoEnv() });
  await putSettings(rg, { actionMode: "native" });
  const memDir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(memDir);
  const added = await mcp(rg, [
    "add",
    "memory",
    "npm:@modelcontextprotocol/server-memory",
    `--allow-read=${memDir}`,
    `--allow-write=${memDir}`,
    "--env",
    `MEMORY_FILE_PATH=${memDir}/graph.jsonl`,
    "--yes",
  ]);
  assert.equal(added.code, 0, added.err);
  const client = new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
  const ask = () =>
    client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "?" }] });

  call = toolName("memory", "read_graph");
  const denied = await ask();
  assert.match(denied.choices[0].message.content ?? "", /Tool said: .*(denied|approval)/i);
  const sent = model.chatRequests()[0].body.tools as { function: { name: string } }[];
  assert.ok(sent.some((t) => t.function.name === "memory__read_graph"));

  await putSettings(rg, { alwaysAllowed: ["memory.read_graph"] });
  const allowed = await ask();
  assert.match(allowed.choices[0].message.content ?? "", /Tool said: .*"entities": \[\]/s);

  // Its process runs while rungpt does, and stops with it.
  assert.equal((await processesMentioning(memDir)).length, 1);
  await rg.server.close();
  assert.deepEqual(await processesMentioning(memDir), []);
});

/** Ids of the processes whose command line mentions `text` (from `ps`). */
async function processesMentioning(text: string): Promise<number[]> {
  const { stdout } = await new Deno.Command("ps", { args: ["-eo", "pid=,args="] }).output();
  return new TextDecoder().decode(stdout).split("\n")
    .filter((line) => line.includes(text) && !line.includes(" ps -eo"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
