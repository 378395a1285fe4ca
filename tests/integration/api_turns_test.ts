// A chat turn through real HTTP: rungpt streams from a scripted OpenAI-compatible server,
// persists while streaming, and publishes events that a client can (re)attach to.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { EndEvent, TurnEvent } from "../../lib/chat/events.ts";
import type { Conversation, Message } from "../../lib/store/types.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import { readSse } from "../support/sse.ts";

const KEY = "sk-test-key-0123456789";

/** The turn events of an SSE body, as they arrive; each names its own type. */
async function* sseEvents(res: Response): AsyncGenerator<TurnEvent> {
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  for await (const { event, data } of readSse(res)) {
    const parsed = JSON.parse(data) as TurnEvent;
    assert.equal(parsed.type, event);
    yield parsed;
  }
}

/** Reads events until the stream closes. */
async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const out: TurnEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The text a subscriber ends up with: the snapshot's text plus every delta. */
function assembled(events: TurnEvent[]): string {
  let text = "";
  for (const e of events) {
    if (e.type === "snapshot") text = e.message.content;
    if (e.type === "delta") text += e.text;
  }
  return text;
}

/** Polls until `check` returns a value (a guard against hanging, not a timing assertion). */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>) {
  for (let i = 0; i < 1000; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The message row as it is in the database file (not the live, in-memory copy). */
function dbMessage(rg: TestRungpt, id: string): { content: string; status: string } | undefined {
  const db = new DatabaseSync(join(rg.dataDir, "rungpt.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT content, status FROM messages WHERE id = ?").get(id);
    return row ? { content: String(row.content), status: String(row.status) } : undefined;
  } finally {
    db.close();
  }
}

async function newConversation(rg: TestRungpt, body: unknown = {}): Promise<Conversation> {
  const res = await rg.api("/api/conversations", { method: "POST", json: body });
  assert.equal(res.status, 201);
  return await res.json();
}

async function send(rg: TestRungpt, id: string, content: string) {
  const res = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content },
  });
  assert.equal(res.status, 202, await res.clone().text());
  return await res.json() as { userMessage: Message; assistantMessage: Message };
}

async function conversation(rg: TestRungpt, id: string) {
  const res = await rg.api(`/api/conversations/${id}`);
  assert.equal(res.status, 200);
  return await res.json() as { conversation: Conversation; messages: Message[]; running: boolean };
}

/** Waits until no turn runs in the conversation; returns the events seen (maybe just idle). */
async function settle(rg: TestRungpt, id: string): Promise<TurnEvent[]> {
  const events = await collect(sseEvents(await rg.api(`/api/conversations/${id}/events`)));
  const last = events.at(-1);
  assert.ok(last?.type === "end" || last?.type === "idle", JSON.stringify(events));
  return events;
}

function endOf(events: TurnEvent[]): EndEvent {
  const end = events.at(-1);
  assert.equal(end?.type, "end", JSON.stringify(events));
  return end as EndEvent;
}

Deno.test("turn: 202, then snapshot, deltas, message, end; the reply is persisted", async () => {
  const reply = "Hello there! How can I help you today?";
  const gate = Promise.withResolvers<void>();
  await using model = await startScriptedModel({
    responder: async () => {
      await gate.promise;
      return { text: reply, chunkSize: 3 };
    },
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  const { userMessage, assistantMessage } = await send(rg, conv.id, "Hi there, model");
  assert.equal(userMessage.role, "user");
  assert.equal(userMessage.content, "Hi there, model");
  assert.equal(assistantMessage.role, "assistant");
  assert.equal(assistantMessage.status, "streaming");
  assert.equal(assistantMessage.content, "");
  assert.equal(assistantMessage.model, "gpt-4o");

  const running = await conversation(rg, conv.id);
  assert.equal(running.running, true);

  const stream = sseEvents(await rg.api(`/api/conversations/${conv.id}/events`));
  const first = (await stream.next()).value as TurnEvent;
  assert.equal(first.type, "snapshot");
  assert.equal(first.type === "snapshot" && first.message.id, assistantMessage.id);
  gate.resolve();
  const events = [first, ...await collect(stream)];

  const types = events.map((e) => e.type);
  assert.equal(types[0], "snapshot");
  assert.deepEqual(types.slice(-2), ["message", "end"]);
  assert.ok(types.slice(1, -2).every((t) => t === "delta"), types.join());
  // Chunks that arrive together may go out as one delta; never more deltas than chunks.
  const deltas = types.filter((t) => t === "delta").length;
  assert.ok(deltas >= 1 && deltas <= Math.ceil(reply.length / 3), String(deltas));
  assert.equal(assembled(events), reply);
  const final = events.at(-2)!;
  assert.ok(final.type === "message");
  assert.equal(final.message.id, assistantMessage.id);
  assert.equal(final.message.status, "complete");
  assert.equal(final.message.content, reply);
  assert.deepEqual(endOf(events), { type: "end", status: "complete" });

  const saved = await conversation(rg, conv.id);
  assert.equal(saved.running, false);
  assert.equal(saved.conversation.title, "Hi there, model");
  assert.deepEqual(saved.messages.map((m) => [m.role, m.content, m.status]), [
    ["user", "Hi there, model", "complete"],
    ["assistant", reply, "complete"],
  ]);
  assert.deepEqual(dbMessage(rg, assistantMessage.id), { content: reply, status: "complete" });

  // What went upstream: the history, streamed, with rungpt's provider key.
  const [request] = model.chatRequests();
  assert.equal(request.body.model, "gpt-4o");
  assert.equal(request.body.stream, true);
  assert.deepEqual(request.body.messages, [{ role: "user", content: "Hi there, model" }]);
  assert.equal(request.headers.authorization, `Bearer ${KEY}`);

  // Once the turn is over, a subscriber gets idle at once.
  const after = await settle(rg, conv.id);
  assert.deepEqual(after, [{ type: "idle" }]);
});

Deno.test("turn: the conversation's model and system prompt go upstream", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Arr." }] });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg, { model: "gpt-4o-mini", systemPrompt: "Be a pirate." });
  const { assistantMessage } = await send(rg, conv.id, "Hello");
  assert.equal(assistantMessage.model, "gpt-4o-mini");
  await settle(rg, conv.id);
  const [request] = model.chatRequests();
  assert.equal(request.body.model, "gpt-4o-mini");
  assert.deepEqual(request.body.messages, [
    { role: "system", content: "Be a pirate." },
    { role: "user", content: "Hello" },
  ]);
});

Deno.test("turn: persisted while streaming; Stop keeps the partial text and aborts upstream", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["Partial ", "answer "], hang: true }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  const { assistantMessage } = await send(rg, conv.id, "Tell me a long story");
  const listener = collect(sseEvents(await rg.api(`/api/conversations/${conv.id}/events`)));

  // The database file has the partial answer while the stream is still open.
  const row = await waitFor("the partial answer in the database", () => {
    const r = dbMessage(rg, assistantMessage.id);
    return r?.content === "Partial answer " ? r : undefined;
  });
  assert.equal(row.status, "streaming");
  const live = await conversation(rg, conv.id);
  assert.equal(live.running, true);
  assert.equal(live.messages[1].content, "Partial answer ");
  assert.equal(live.messages[1].status, "streaming");
  assert.equal(model.aborts.length, 0);

  const stop = await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
  assert.equal(stop.status, 200);
  assert.deepEqual(await stop.json(), { stopped: true });
  // Stop answers once the final state is persisted.
  assert.deepEqual(dbMessage(rg, assistantMessage.id), {
    content: "Partial answer ",
    status: "stopped",
  });
  const [abort] = await model.waitForAborts(1);
  assert.equal(abort.path, "/v1/chat/completions");

  const events = await listener;
  assert.equal(endOf(events).status, "stopped");
  assert.equal(assembled(events), "Partial answer ");
  const saved = await conversation(rg, conv.id);
  assert.equal(saved.running, false);
  assert.equal(saved.messages[1].status, "stopped");
  assert.equal(saved.messages[1].content, "Partial answer ");

  const again = await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
  assert.deepEqual(await again.json(), { stopped: false });
});

Deno.test("turn: a slow reply is written to the database many times while it streams", async () => {
  // 60 chunks over about 3 s: a reply that is persisted every few hundred ms is seen in the
  // database at many lengths before it ends; one persisted only at the end, at none.
  const chunks = Array.from({ length: 60 }, (_, i) => `word${i} `);
  await using model = await startScriptedModel({ replies: [{ chunks, delayMs: 50 }] });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  const { assistantMessage } = await send(rg, conv.id, "Take your time");
  const lengths = new Set<number>();
  while (true) {
    const row = dbMessage(rg, assistantMessage.id);
    if (row?.status !== "streaming") break;
    if (row.content) {
      assert.ok(chunks.join("").startsWith(row.content), "a stored prefix of the reply");
      lengths.add(row.content.length);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await settle(rg, conv.id);
  assert.deepEqual(dbMessage(rg, assistantMessage.id), {
    content: chunks.join(""),
    status: "complete",
  });
  assert.ok(lengths.size >= 4, `stored at ${lengths.size} length(s) while streaming`);
});

Deno.test("turn: a second subscriber mid-stream starts from a snapshot and ends the same", async () => {
  const reply = "The quick brown fox jumps over the lazy dog, twice over.";
  await using model = await startScriptedModel({
    replies: [{ text: reply, chunkSize: 2, delayMs: 30 }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  await send(rg, conv.id, "Say the pangram");

  const first = sseEvents(await rg.api(`/api/conversations/${conv.id}/events`));
  const seen: TurnEvent[] = [];
  // Read by hand: breaking out of a for-await would close the stream.
  while (seen.at(-1)?.type !== "delta") {
    const next = await first.next();
    assert.ok(!next.done, "the first subscription ended before any text");
    seen.push(next.value);
  }
  const textSoFar = assembled(seen);
  assert.ok(textSoFar.length > 0);

  const second = await collect(sseEvents(await rg.api(`/api/conversations/${conv.id}/events`)));
  const rest = await collect(first);
  const snapshot = second[0];
  assert.equal(snapshot.type, "snapshot", "the turn must still be running");
  assert.ok(snapshot.type === "snapshot");
  assert.ok(snapshot.message.content.startsWith(textSoFar), snapshot.message.content);
  assert.ok(reply.startsWith(snapshot.message.content));
  assert.equal(snapshot.message.status, "streaming");
  assert.equal(assembled(second), reply);
  assert.equal(assembled([...seen, ...rest]), reply);
  assert.equal(endOf(second).status, "complete");
  assert.equal(endOf(rest).status, "complete");
});

Deno.test("turn: 409 while a reply is running; a new turn works after Stop", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["Still going"], hang: true }, { text: "Second answer" }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  const { assistantMessage } = await send(rg, conv.id, "First");
  // Stop only once the first chunk has arrived, so the stopped reply keeps known text.
  await waitFor("the first chunk", async () => {
    const { messages } = await conversation(rg, conv.id);
    return messages.find((m) => m.id === assistantMessage.id)?.content || undefined;
  });
  for (
    const [path, json] of [
      ["messages", { content: "Second" }],
      ["regenerate", undefined],
      ["edit", { content: "First, edited" }],
    ] as const
  ) {
    const res = await rg.api(`/api/conversations/${conv.id}/${path}`, { method: "POST", json });
    assert.equal(res.status, 409, path);
    assert.match((await res.json()).error, /already being generated/);
  }
  await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" }).then((r) => r.json());
  await send(rg, conv.id, "Second");
  await settle(rg, conv.id);
  const saved = await conversation(rg, conv.id);
  assert.deepEqual(saved.messages.map((m) => [m.role, m.content, m.status]), [
    ["user", "First", "complete"],
    ["assistant", "Still going", "stopped"],
    ["user", "Second", "complete"],
    ["assistant", "Second answer", "complete"],
  ]);
  // Only the first user message was sent the first time; nothing from the refused requests.
  assert.equal(model.chatRequests().length, 2);
  assert.deepEqual(model.chatRequests()[1].body.messages, [
    { role: "user", content: "First" },
    { role: "assistant", content: "Still going" },
    { role: "user", content: "Second" },
  ]);
});

Deno.test("turn: regenerate shows a new answer in place of the last", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Answer one" }, { text: "Answer two" }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);

  const none = await rg.api(`/api/conversations/${conv.id}/regenerate`, { method: "POST" });
  assert.equal(none.status, 409);
  assert.match((await none.json()).error, /no user message/);

  const { userMessage } = await send(rg, conv.id, "Question");
  await settle(rg, conv.id);
  const res = await rg.api(`/api/conversations/${conv.id}/regenerate`, { method: "POST" });
  assert.equal(res.status, 202);
  const body = await res.json();
  assert.equal(body.userMessage, undefined);
  assert.equal(body.assistantMessage.status, "streaming");
  const events = await settle(rg, conv.id);
  if (events[0].type !== "idle") assert.equal(endOf(events).status, "complete");

  const saved = await conversation(rg, conv.id);
  assert.deepEqual(saved.messages.map((m) => [m.id, m.role, m.content, m.status]), [
    [userMessage.id, "user", "Question", "complete"],
    [body.assistantMessage.id, "assistant", "Answer two", "complete"],
  ]);
  assert.deepEqual(model.chatRequests()[1].body.messages, [{ role: "user", content: "Question" }]);
});

Deno.test("turn: edit shows a new version of the last user message, answered again", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "A1" }, { text: "A2" }, { text: "A3" }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg);
  await send(rg, conv.id, "Q1");
  await settle(rg, conv.id);
  await send(rg, conv.id, "Q2");
  await settle(rg, conv.id);

  const res = await rg.api(`/api/conversations/${conv.id}/edit`, {
    method: "POST",
    json: { content: "Q2, edited" },
  });
  assert.equal(res.status, 202);
  const body = await res.json();
  assert.equal(body.userMessage.content, "Q2, edited");
  await settle(rg, conv.id);

  const saved = await conversation(rg, conv.id);
  assert.deepEqual(saved.messages.map((m) => [m.role, m.content]), [
    ["user", "Q1"],
    ["assistant", "A1"],
    ["user", "Q2, edited"],
    ["assistant", "A3"],
  ]);
  assert.equal(saved.messages[2].id, body.userMessage.id);
  assert.equal(saved.messages[3].id, body.assistantMessage.id);
  assert.deepEqual(model.chatRequests()[2].body.messages, [
    { role: "user", content: "Q1" },
    { role: "assistant", content: "A1" },
    { role: "user", content: "Q2, edited" },
  ]);
  // The old answer is a hidden version now (api_versions_test): search does not find it.
  const search = await (await rg.api("/api/search?q=A2")).json();
  assert.deepEqual(search.hits, []);
});

Deno.test("turn: upstream errors end the turn with a kind, keep the partial text, leak no key", async () => {
  const cases = [
    { reply: { status: 401 }, kind: "auth", text: "", message: /rejected.*401.*Settings/ },
    { reply: { status: 429, retryAfter: 7 }, kind: "rate_limit", text: "", message: /7 s/ },
    {
      reply: { status: 500, message: `boom with ${KEY}` },
      kind: "upstream",
      text: "",
      message: /failed \(500\)/,
    },
    {
      reply: { text: "Partial answer that is cut", chunkSize: 8, cutAfter: 2 },
      kind: "protocol",
      text: "Partial answer t",
      message: /cut off/,
    },
    {
      reply: { chunks: ["Some text "], streamError: { message: "The engine is overloaded" } },
      kind: "upstream",
      text: "Some text ",
      message: /overloaded/,
    },
    {
      // A rate limit reported inside the stream is a rate limit, not a generic failure.
      reply: {
        chunks: ["Some text "],
        streamError: {
          message: "Rate limit reached for requests. Please try again in 20s.",
          type: "requests",
          code: "rate_limit_exceeded",
        },
      },
      kind: "rate_limit",
      text: "Some text ",
      message: /retry in 20 s/,
    },
  ];
  // Each reply waits for its gate, so the test subscribes before the turn can end.
  let gate = Promise.withResolvers<void>();
  const queue = cases.map((c) => c.reply);
  await using model = await startScriptedModel({
    responder: async () => {
      await gate.promise;
      return queue.shift()!;
    },
  });
  await using rg = await startRungpt({ model });
  for (const c of cases) {
    gate = Promise.withResolvers<void>();
    const conv = await newConversation(rg);
    const { assistantMessage } = await send(rg, conv.id, "Hello?");
    const stream = sseEvents(await rg.api(`/api/conversations/${conv.id}/events`));
    assert.equal((await stream.next()).value?.type, "snapshot");
    gate.resolve();
    const events = await collect(stream);
    const saved = await conversation(rg, conv.id);
    const message = saved.messages[1];
    assert.equal(message.id, assistantMessage.id);
    assert.equal(message.status, "error", c.kind);
    assert.equal(message.content, c.text, c.kind);
    assert.match(message.error ?? "", c.message);
    assert.ok(!message.error?.includes(KEY), message.error ?? "");
    const end = endOf(events);
    assert.equal(end.status, "error");
    assert.equal(end.errorKind, c.kind);
    assert.equal(end.error, message.error);
    assert.equal(assembled(events), c.text);
  }
  // The server is still fine.
  assert.equal((await rg.api("/api/conversations")).status, 200);
});

Deno.test("turn: an upstream that is down gives an unreachable error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using rg = await startRungpt({
    env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, RUNGPT_MODEL: "llama3" },
  });
  const conv = await newConversation(rg);
  await send(rg, conv.id, "Anyone there?");
  await settle(rg, conv.id);
  const message = (await conversation(rg, conv.id)).messages[1];
  assert.equal(message.status, "error");
  assert.match(message.error ?? "", new RegExp(`Cannot reach http://127.0.0.1:${port}/v1`));

  // The kind is visible to a subscriber that attaches before the failure: fail again.
  const regen = await rg.api(`/api/conversations/${conv.id}/regenerate`, { method: "POST" });
  assert.equal(regen.status, 202);
  const events = await settle(rg, conv.id);
  if (events[0].type !== "idle") assert.equal(endOf(events).errorKind, "unreachable");
});

Deno.test("turn: without a key or base URL a send is refused (409 no_key) and nothing is written", async () => {
  await using rg = await startRungpt();
  const conv = await newConversation(rg, { model: "gpt-4o" });
  const refused = async (path: string, json?: unknown) => {
    const res = await rg.api(path, { method: "POST", json });
    assert.equal(res.status, 409, path);
    const body = await res.json();
    assert.equal(body.kind, "no_key");
    assert.match(body.error, /API key/);
    assert.match(body.error, /Settings/);
  };
  await refused(`/api/conversations/${conv.id}/messages`, { content: "Hello" });
  await refused(`/api/conversations/${conv.id}/regenerate`);
  assert.deepEqual((await conversation(rg, conv.id)).messages, [], "no message was written");

  // A new chat's first message creates no conversation when it cannot be answered.
  await refused("/api/conversations", { content: "Hello", systemPrompt: "Be brief." });
  const list = await (await rg.api("/api/conversations")).json();
  assert.deepEqual(list.conversations.map((c: Conversation) => c.id), [conv.id]);

  const models = await (await rg.api("/api/models")).json();
  assert.deepEqual(models.models, []);
  assert.equal(models.kind, "no_key");
});

Deno.test("turn: a new chat's first message creates the conversation and its reply in one request", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Hello back" }] });
  await using rg = await startRungpt({ model });
  const res = await rg.api("/api/conversations", {
    method: "POST",
    json: { content: "Hello there, model", systemPrompt: "Be brief." },
  });
  assert.equal(res.status, 202, await res.clone().text());
  const started = await res.json();
  assert.equal(started.conversation.title, "Hello there, model");
  assert.equal(started.conversation.systemPrompt, "Be brief.");
  assert.equal(started.userMessage.content, "Hello there, model");
  await settle(rg, started.conversation.id);
  const saved = await conversation(rg, started.conversation.id);
  assert.deepEqual(saved.messages.map((m) => [m.role, m.content]), [
    ["user", "Hello there, model"],
    ["assistant", "Hello back"],
  ]);
});

Deno.test("turn: a settings file that cannot be read fails the reply, not the request: send and regenerate keep the conversation whole", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "First answer" }] });
  await using rg = await startRungpt({ model });
  // No model of its own: the turn reads the default model from the settings.
  const conv = await newConversation(rg);
  const { userMessage } = await send(rg, conv.id, "Question");
  await settle(rg, conv.id);
  await Deno.writeTextFile(join(rg.dataDir, "settings.json"), '{"model": gpt-4o}');

  // Regenerate has deleted the last answer by the time the model is read: the reply it
  // starts must say what is wrong, not vanish behind a 500.
  const res = await rg.api(`/api/conversations/${conv.id}/regenerate`, { method: "POST" });
  assert.equal(res.status, 202, await res.clone().text());
  const { assistantMessage } = await res.json();
  await settle(rg, conv.id);
  const saved = await conversation(rg, conv.id);
  assert.deepEqual(saved.messages.map((m) => [m.id, m.status]), [
    [userMessage.id, "complete"],
    [assistantMessage.id, "error"],
  ]);
  assert.match(saved.messages[1].error ?? "", /settings\.json is not valid JSON/);
  assert.equal(saved.messages[1].meta?.errorKind, "no_key");

  // A new message is kept with its failed reply, so the page shows both.
  const next = await send(rg, conv.id, "Again");
  await settle(rg, conv.id);
  const after = await conversation(rg, conv.id);
  assert.deepEqual(after.messages.slice(2).map((m) => [m.id, m.role, m.status]), [
    [next.userMessage.id, "user", "complete"],
    [next.assistantMessage.id, "assistant", "error"],
  ]);
  assert.equal(model.chatRequests().length, 1, "nothing went upstream");
  assert.deepEqual(rg.logs.filter((l) => l.startsWith("error")), []);
});
