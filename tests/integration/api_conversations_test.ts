// The UI's conversations API through real HTTP: CRUD, ordering, 404s, validation, body
// limits.
import assert from "node:assert/strict";
import type { Conversation } from "../../lib/store/types.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";

async function create(rg: TestRungpt, body: unknown = {}): Promise<Conversation> {
  const res = await rg.api("/api/conversations", { method: "POST", json: body });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

/** Asserts a JSON error answer with `status` whose message matches `pattern`. */
async function assertError(res: Response, status: number, pattern: RegExp): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = JSON.parse(text);
  assert.equal(typeof body.error, "string");
  assert.match(body.error, pattern);
}

Deno.test("conversations: create, list newest first, get, patch, delete", async () => {
  await using rg = await startRungpt();
  const a = await create(rg, { title: "First" });
  assert.equal(a.title, "First");
  assert.equal(a.model, null);
  assert.equal(a.systemPrompt, "");
  const b = await create(rg, { title: "Second", model: "gpt-4o-mini", systemPrompt: "Be brief." });
  assert.equal(b.model, "gpt-4o-mini");
  assert.equal(b.systemPrompt, "Be brief.");
  const c = await create(rg);

  let list = await (await rg.api("/api/conversations")).json();
  assert.deepEqual(list.conversations.map((x: Conversation) => x.id), [c.id, b.id, a.id]);

  // limit/offset page through the same order.
  list = await (await rg.api("/api/conversations?limit=1&offset=1")).json();
  assert.deepEqual(list.conversations.map((x: Conversation) => x.id), [b.id]);

  const got = await (await rg.api(`/api/conversations/${b.id}`)).json();
  assert.deepEqual(got.conversation, b);
  assert.deepEqual(got.messages, []);
  assert.equal(got.running, false);

  // Renaming the oldest one moves it to the top.
  const patched = await rg.api(`/api/conversations/${a.id}`, {
    method: "PATCH",
    json: { title: "Renamed", model: "gpt-4o", systemPrompt: "Talk like a pirate." },
  });
  assert.equal(patched.status, 200);
  const renamed: Conversation = await patched.json();
  assert.equal(renamed.title, "Renamed");
  assert.equal(renamed.model, "gpt-4o");
  assert.equal(renamed.systemPrompt, "Talk like a pirate.");
  list = await (await rg.api("/api/conversations")).json();
  assert.deepEqual(list.conversations.map((x: Conversation) => x.id), [a.id, c.id, b.id]);

  // model: null goes back to the default.
  const reset = await (await rg.api(`/api/conversations/${a.id}`, {
    method: "PATCH",
    json: { model: null },
  })).json();
  assert.equal(reset.model, null);
  assert.equal(reset.title, "Renamed");

  const del = await rg.api(`/api/conversations/${b.id}`, { method: "DELETE" });
  assert.equal(del.status, 204);
  assert.equal(await del.text(), "");
  list = await (await rg.api("/api/conversations")).json();
  assert.deepEqual(list.conversations.map((x: Conversation) => x.id), [a.id, c.id]);
  const gone = await rg.api(`/api/conversations/${b.id}`);
  await assertError(gone, 404, new RegExp(b.id));
});

Deno.test("conversations: unknown ids answer 404 on every endpoint", async () => {
  await using rg = await startRungpt();
  const id = "no-such-conversation";
  const cases: Array<[string, string, unknown?]> = [
    ["GET", `/api/conversations/${id}`],
    ["PATCH", `/api/conversations/${id}`, { title: "x" }],
    ["DELETE", `/api/conversations/${id}`],
    ["POST", `/api/conversations/${id}/messages`, { content: "hi" }],
    ["POST", `/api/conversations/${id}/regenerate`],
    ["POST", `/api/conversations/${id}/edit`, { content: "hi" }],
    ["GET", `/api/conversations/${id}/events`],
    ["GET", `/api/conversations/${id}/export?format=md`],
  ];
  for (const [method, path, json] of cases) {
    const res = await rg.api(path, { method, json });
    await assertError(res, 404, /no-such-conversation/);
  }
  // Stopping nothing is not an error: it reports that nothing was stopped.
  const stop = await rg.api(`/api/conversations/${id}/stop`, { method: "POST" });
  assert.equal(stop.status, 200);
  assert.deepEqual(await stop.json(), { stopped: false });
});

Deno.test("conversations: validation errors answer 400 naming the field", async () => {
  await using rg = await startRungpt();
  const conv = await create(rg);
  const cases: Array<[string, string, unknown, RegExp]> = [
    ["POST", "/api/conversations", { title: 42 }, /title/],
    ["POST", "/api/conversations", { model: "" }, /model/],
    ["POST", "/api/conversations", { systemPrompt: ["x"] }, /systemPrompt/],
    ["POST", "/api/conversations", { title: "x".repeat(201) }, /title/],
    ["POST", "/api/conversations", { colour: "red" }, /colour/],
    ["POST", "/api/conversations", [], /expected object/i],
    ["PATCH", `/api/conversations/${conv.id}`, { title: null }, /title/],
    ["PATCH", `/api/conversations/${conv.id}`, { model: 7 }, /model/],
    ["POST", `/api/conversations/${conv.id}/messages`, { content: "" }, /content/],
    ["POST", `/api/conversations/${conv.id}/messages`, { content: "   " }, /content/],
    ["POST", `/api/conversations/${conv.id}/messages`, {}, /content/],
    ["POST", `/api/conversations/${conv.id}/edit`, { content: 1 }, /content/],
  ];
  for (const [method, path, json, field] of cases) {
    await assertError(await rg.api(path, { method, json }), 400, field);
  }
  const badQuery = await rg.api("/api/conversations?limit=abc");
  await assertError(badQuery, 400, /limit/);
  const badFormat = await rg.api(`/api/conversations/${conv.id}/export?format=pdf`);
  await assertError(badFormat, 400, /format/);
  // Nothing was written by the refused requests.
  const after = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  assert.deepEqual(after.messages, []);
  assert.equal(after.conversation.title, conv.title);
  const list = await (await rg.api("/api/conversations")).json();
  assert.equal(list.conversations.length, 1);
});

Deno.test("conversations: a body that is not JSON answers 415, broken JSON 400", async () => {
  await using rg = await startRungpt();
  const conv = await create(rg);
  const text = await rg.api("/api/conversations", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ title: "x" }),
  });
  await assertError(text, 415, /JSON/);
  const form = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    body: new URLSearchParams({ content: "hi" }),
  });
  await assertError(form, 415, /JSON/);
  const broken = await rg.api("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"title": ',
  });
  await assertError(broken, 400, /not valid JSON/);
  const list = await (await rg.api("/api/conversations")).json();
  assert.equal(list.conversations.length, 1);
});

Deno.test("conversations: bodies over the limit answer 413", async () => {
  await using rg = await startRungpt();
  const conv = await create(rg);
  const big = JSON.stringify({ title: "x".repeat(2 * 1024 * 1024) });
  const res = await rg.api("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: big,
  });
  await assertError(res, 413, /larger than/);

  // Without a Content-Length (a streamed body), the limit still holds.
  const encoded = new TextEncoder().encode(big);
  const streamed = await rg.api(`/api/conversations/${conv.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: new ReadableStream({
      start(controller) {
        for (let i = 0; i < encoded.length; i += 64 * 1024) {
          controller.enqueue(encoded.slice(i, i + 64 * 1024));
        }
        controller.close();
      },
    }),
  });
  await assertError(streamed, 413, /larger than/);

  // The message endpoint allows more (2 MiB) but not without bound.
  const huge = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ content: "y".repeat(3 * 1024 * 1024) }),
  });
  await assertError(huge, 413, /larger than/);

  const after = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  assert.equal(after.conversation.title, conv.title);
  assert.deepEqual(after.messages, []);
});

Deno.test("conversations: a method a route does not have answers 405 with Allow", async () => {
  await using rg = await startRungpt();
  const res = await rg.api("/api/conversations", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.match(res.headers.get("allow") ?? "", /GET/);
  assert.match(res.headers.get("allow") ?? "", /POST/);
  await res.body?.cancel();
});
