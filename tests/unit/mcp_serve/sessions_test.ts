// The bounds of /mcp's sessions, on real SDK servers and transports: at most `maxSessions`
// (the least recently used one closes to make room), idle ones close, DELETE ends one, and a
// body over the limit is refused before it is parsed.
import assert from "node:assert/strict";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { McpSessions } from "../../../lib/mcp_serve/sessions.ts";

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

function request(body: unknown, session?: string, method = "POST"): Request {
  return new Request("http://localhost/mcp", {
    method,
    headers: { ...HEADERS, ...(session ? { "mcp-session-id": session } : {}) },
    body: method === "POST" ? JSON.stringify(body) : undefined,
  });
}

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};
const PING = { jsonrpc: "2.0", id: 2, method: "ping" };

/** Opens a session; returns its id. */
async function open(sessions: McpSessions): Promise<string> {
  const res = await sessions.handle(request(INIT));
  assert.equal(res.status, 200);
  await res.body?.cancel();
  return res.headers.get("mcp-session-id")!;
}

/** The status of a ping in `session`. */
async function ping(sessions: McpSessions, session: string): Promise<number> {
  const res = await sessions.handle(request(PING, session));
  await res.body?.cancel();
  return res.status;
}

function newSessions(limits: ConstructorParameters<typeof McpSessions>[1], now: () => number) {
  return new McpSessions(
    () => new Server({ name: "test", version: "1" }, { capabilities: { tools: {} } }),
    limits,
    now,
  );
}

Deno.test("mcp sessions: the least recently used session closes to make room for a new one", async () => {
  let clock = 0;
  const sessions = newSessions({ maxSessions: 2 }, () => clock);
  try {
    const a = await open(sessions);
    clock = 1;
    const b = await open(sessions);
    clock = 2;
    assert.equal(await ping(sessions, a), 200); // a is now used more recently than b
    clock = 3;
    const c = await open(sessions);
    assert.equal(sessions.size, 2);
    assert.equal(await ping(sessions, b), 404);
    assert.equal(await ping(sessions, a), 200);
    assert.equal(await ping(sessions, c), 200);
  } finally {
    await sessions.close();
  }
});

Deno.test("mcp sessions: an idle session closes; DELETE ends one; a sessionless GET or non-initialize POST opens none", async () => {
  let clock = 0;
  const sessions = newSessions({ idleMs: 1000 }, () => clock);
  try {
    const a = await open(sessions);
    const b = await open(sessions);
    clock = 900;
    assert.equal(await ping(sessions, b), 200);
    clock = 1500;
    assert.equal(await ping(sessions, a), 404);
    assert.equal(await ping(sessions, b), 200);

    const del = await sessions.handle(request(null, b, "DELETE"));
    assert.equal(del.status, 200);
    assert.equal(sessions.size, 0);
    assert.equal(await ping(sessions, b), 404);

    const get = await sessions.handle(request(null, undefined, "GET"));
    assert.equal(get.status, 400);
    await get.body?.cancel();
    const stray = await sessions.handle(request(PING));
    assert.equal(stray.status, 400);
    await stray.body?.cancel();
    assert.equal(sessions.size, 0);
  } finally {
    await sessions.close();
  }
});

Deno.test("mcp sessions: a body over the limit is refused with 413", async () => {
  const sessions = newSessions({ maxBodyBytes: 1024 }, Date.now);
  try {
    const id = await open(sessions);
    const big = { ...PING, params: { _meta: { pad: "x".repeat(4096) } } };
    const res = await sessions.handle(request(big, id));
    assert.equal(res.status, 413);
    await res.body?.cancel();
  } finally {
    await sessions.close();
  }
});
