// Remote MCP servers: the real @modelcontextprotocol/server-everything from npm over
// Streamable HTTP (behind a loopback proxy that insists on the stored Authorization header) and
// over HTTP+SSE (the fallback); and hostile remotes that redirect, stream without end or point
// rungpt at another origin, which end their own start only.
import assert from "node:assert/strict";
import { join } from "node:path";
import { mcpConfigPath, parseServerConfig } from "../../lib/mcp/config.ts";
import { DEFAULT_MCP_LIMITS, type McpLimits } from "../../lib/mcp/limits.ts";
import { McpServer } from "../../lib/mcp/server.ts";
import { toolId } from "../../lib/tools/tool.ts";
import {
  hasResults,
  lastContent,
  metaOf,
  newConversation,
  putSettings,
  resultBlocks,
  turn,
} from "../support/action_fixtures.ts";
import { runMcp, startEverything } from "../support/mcp.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { type RecordedRequest, type Reply, startScriptedModel } from "../support/scripted_model.ts";

const LIMITS: McpLimits = { ...DEFAULT_MCP_LIMITS, startTimeoutMs: 20_000, callTimeoutMs: 10_000 };
const SECRET = "Bearer s3cret-token";

/** A loopback server for `handler`, disposed with the test. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** A proxy to `target` that answers 401 to any request without the secret header. */
function authProxy(target: string) {
  const seen = { authorised: 0, refused: 0 };
  const proxy = serve(async (req) => {
    if (req.headers.get("authorization") !== SECRET) {
      seen.refused++;
      return new Response("unauthorised", { status: 401 });
    }
    seen.authorised++;
    // No standing GET stream through the proxy (a server may refuse it; the SDK then goes on
    // without one), so the proxy's shutdown has no endless response to wait for.
    if (req.method === "GET") return new Response(null, { status: 405 });
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    return await fetch(new URL(url.pathname + url.search, target), {
      method: req.method,
      headers,
      body: req.body,
      signal: req.signal,
    });
  });
  return Object.assign(proxy, { seen });
}

/** A remote server config for `url`, run with `limits`. */
async function remote(url: string, limits: Partial<McpLimits> = {}, headers = {}) {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-mcp-remote-" });
  const config = parseServerConfig({ source: url, headers });
  const ctx = { denoPath: Deno.execPath(), serverDir: join(dir, "server"), env: {} };
  const server = new McpServer("remote", config, ctx, { ...LIMITS, ...limits });
  return {
    server,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function callOnce(tag: string) {
  return (req: RecordedRequest): Reply => {
    if (hasResults(req)) {
      const [block] = resultBlocks(lastContent(req));
      return { text: `Result: ${block.error ? "error: " : ""}${block.body}` };
    }
    return { text: `Calling. ${tag}` };
  };
}

Deno.test("mcp remote: server-everything over Streamable HTTP with a stored header; the header never shows; a turn calls its tool", async () => {
  await using everything = await startEverything("streamableHttp");
  await using proxy = authProxy(everything.url);
  const tag = `<action name="everything.echo">{"message":"hello remote"}</action>`;
  await using model = await startScriptedModel({ responder: callOnce(tag) });
  await using rg = await startRungpt({ model });
  await putSettings(rg, { actionMode: "tags" });
  const url = `${proxy.url}/mcp`;

  // Without the header, the server's 401 is named and points at --header.
  const bare = await runMcp(rg, ["add", "bare", url, "--yes"]);
  assert.equal(bare.code, 0, bare.err);
  const noAuth = await runMcp(rg, ["tools", "bare"]);
  assert.equal(noAuth.code, 1);
  assert.match(noAuth.err, /answered 401 \(not authorised\); check the --header values/);
  assert.equal((await runMcp(rg, ["remove", "bare", "--yes"])).code, 0);

  const added = await runMcp(rg, [
    "add",
    "everything",
    url,
    "--header",
    `Authorization: ${SECRET}`,
    "--yes",
  ]);
  assert.equal(added.code, 0, added.err);
  assert.match(added.out, /origin: {2}http:\/\/127\.0\.0\.1:\d+ \(nothing else\)/);
  assert.match(added.out, /headers: Authorization \(value set, hidden\)/);
  assert.ok(!added.out.includes("s3cret"), "the consent text masks the header");
  const listed = await runMcp(rg, ["list"]);
  assert.ok(!listed.out.includes("s3cret"), "mcp list masks the header");
  assert.match(listed.out, /Authorization \(value set, hidden\)/);
  // Stored like the provider key: in the 0600 file only.
  assert.equal((await Deno.stat(mcpConfigPath(rg.dataDir))).mode! & 0o777, 0o600);
  assert.match(await Deno.readTextFile(mcpConfigPath(rg.dataDir)), /s3cret-token/);

  const own = await runMcp(rg, ["tools", "everything"]);
  assert.equal(own.code, 0, own.err);
  assert.match(own.out, /everything\.echo \(says read-only\)/);

  // The terminal's "Always allow": in the settings list the page shows and revokes.
  const allowed = await runMcp(rg, ["allow", "everything", "echo"]);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.out, /Always allowed: everything\.echo/);
  const settings = await (await rg.api("/api/settings")).json();
  assert.deepEqual(settings.actions.alwaysAllowed, ["everything.echo"]);
  assert.ok(!JSON.stringify(settings).includes("s3cret"));
  const unknown = await runMcp(rg, ["allow", "everything", "nope"]);
  assert.match(unknown.err, /has no tool "nope"; its tools: .*echo/);

  const echo = (await rg.server.services.tools.list()).find((t) => toolId(t) === "everything.echo");
  assert.ok(echo, "the catalogue lists the remote tool");
  assert.deepEqual(echo.access.hosts, [new URL(proxy.url).host]);

  const conv = await newConversation(rg);
  const message = await turn(rg, conv.id, "Echo something");
  const [call] = metaOf(message).actions!;
  assert.equal(call.status, "done", call.error);
  assert.match(call.result!, /Echo: hello remote/);
  assert.match(message.content, /Result: Echo: hello remote/);
  assert.ok(proxy.seen.authorised > 0);
  assert.equal(proxy.seen.refused, 1, "only the server added without the header was refused");

  // `deny` takes the answer back.
  const denied = await runMcp(rg, ["deny", "everything", "echo"]);
  assert.match(denied.out, /everything\.echo asks before it runs again/);
  const after = await (await rg.api("/api/settings")).json();
  assert.deepEqual(after.actions.alwaysAllowed, []);

  // `*`: every tool it has now; Settings revokes one as it does a plugin's; `deny '*'` the rest.
  const all = await runMcp(rg, ["allow", "everything", "*"]);
  assert.match(all.out, /Tools the server adds later still ask/);
  const everyTool = (await rg.server.services.tools.list()).filter((t) => t.owner === "everything")
    .map(toolId).sort();
  const saved = (await (await rg.api("/api/settings")).json()).actions.alwaysAllowed;
  assert.deepEqual([...saved].sort(), everyTool);
  const revoked = await putSettings(rg, { remove: { alwaysAllowed: ["everything.echo"] } });
  assert.ok(!revoked.actions.alwaysAllowed.includes("everything.echo"));
  assert.equal(revoked.actions.alwaysAllowed.length, everyTool.length - 1);
  assert.equal((await runMcp(rg, ["deny", "everything", "*"])).code, 0);
  assert.deepEqual((await (await rg.api("/api/settings")).json()).actions.alwaysAllowed, []);
});

Deno.test("mcp remote: a server that has only HTTP+SSE is reached through the SSE fallback", async () => {
  await using everything = await startEverything("sse");
  await using r = await remote(everything.url);
  const tools = await r.server.tools();
  assert.ok(tools.some((t) => t.name === "get_sum"), tools.map((t) => t.name).join(", "));
  assert.ok(r.server.log.some((l) => l.message === "connected over sse"));
  assert.match(await r.server.call("get_sum", { a: 2, b: 40 }), /42/);
});

Deno.test("mcp remote: a redirect to another origin is refused; the start fails with the reason", async () => {
  await using elsewhere = serve(() => new Response("{}"));
  await using redirecting = serve(() =>
    new Response(null, { status: 307, headers: { location: `${elsewhere.url}/mcp` } })
  );
  await using r = await remote(`${redirecting.url}/mcp`);
  await assert.rejects(
    r.server.tools(),
    /redirected to http:\/\/127\.0\.0\.1:\d+\/mcp; rungpt follows no redirects/,
  );
  assert.equal(r.server.state.state, "failed");
});

Deno.test("mcp remote: an answer over the message limit is refused while it streams in", async () => {
  let sent = 0;
  await using flood = serve(() => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 65536;
        controller.enqueue(new Uint8Array(65536).fill(0x78));
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  await using r = await remote(`${flood.url}/mcp`, { maxMessageChars: 256 * 1024 });
  await assert.rejects(r.server.tools(), /over the limit of 262144 bytes/);
  assert.ok(sent < 64 * 1024 * 1024, `stopped reading early (${sent} bytes sent)`);
});

Deno.test("mcp remote: an SSE server whose endpoint is another origin is refused", async () => {
  let posted = false;
  await using elsewhere = serve(() => {
    posted = true;
    return new Response("", { status: 202 });
  });
  await using sse = serve((req) => {
    // No Streamable HTTP: the first POST is 405, so rungpt falls back to SSE.
    if (req.method === "POST") return new Response("", { status: 405 });
    const event = `event: endpoint\ndata: ${elsewhere.url}/messages\n\n`;
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(event));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  await using r = await remote(`${sse.url}/sse`, { startTimeoutMs: 3_000 });
  await assert.rejects(r.server.tools(), /could not start: .*origin does not match/);
  assert.equal(posted, false, "nothing was sent to the other origin");
});

Deno.test("mcp remote: http:// is for this machine only; headers are for remote servers only", () => {
  assert.throws(
    () => parseServerConfig({ source: "http://example.com/mcp" }),
    /source: must be https:\/\/, or http:\/\/ to this machine/,
  );
  assert.throws(
    () => parseServerConfig({ source: "https://u:p@example.com/mcp" }),
    /must not hold a user name or password/,
  );
  assert.throws(
    () => parseServerConfig({ source: "npm:pkg", headers: { Authorization: "x" } }),
    /headers: are sent to remote/,
  );
  assert.throws(
    () => parseServerConfig({ source: "https://example.com/mcp", permissions: { read: ["/"] } }),
    /--allow-\*, --env and arguments do not apply/,
  );
  assert.equal(
    parseServerConfig({ source: "http://localhost:3000/mcp" }).source,
    "http://localhost:3000/mcp",
  );
  assert.equal(parseServerConfig({ source: "http://[::1]:3000/mcp" }).enabled, true);
});
