// A model server that sends without end (an endless answer, one event that never ends, a
// stream that trickles) cannot make rungpt read without bound: each is cut with an error that
// says what happened.
import { completeChat, createClient, LlmError, streamChat } from "../../lib/llm/mod.ts";
import { MAX_REPLY_CHARS } from "../../lib/chat/loop.ts";
import { RESPONSE_LIMITS } from "../../lib/llm/response_limits.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
} from "../unit/llm/_assert.ts";

const messages = [{ role: "user" as const, content: "hi" }];
const MiB = 1024 * 1024;
/** 64 KiB of `x`: pieces of a body that goes on. */
const BLOCK = "x".repeat(64 * 1024);

/**
 * `first`, then `block` until well past `bytes`: past a limit by more than the connection can
 * buffer (so the server is still sending when rungpt hangs up), yet finite, so that without the
 * limit the test fails on what it reads instead of reading forever.
 */
function pastLimit(first: string, block: string, bytes: number): (n: number) => string | null {
  const total = bytes + 16 * 1024 * 1024;
  return (n) => n === 0 ? first : (n - 1) * block.length <= total ? block : null;
}

/** A chat chunk event carrying `text`. */
function event(text: string): string {
  return `data: ${
    JSON.stringify({
      id: "c",
      object: "chat.completion.chunk",
      created: 0,
      model: "gpt-4o",
      choices: [{ index: 0, delta: { content: text }, finish_reason: null }],
    })
  }\n\n`;
}

Deno.test("upstream limits: a JSON answer that never ends is cut at the body limit", async () => {
  await using model = await startScriptedModel({
    replies: [{
      contentType: "application/json",
      raw: pastLimit('{"id":"', BLOCK, RESPONSE_LIMITS.bodyBytes),
    }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const e = await assertRejects(
    () => completeChat(client, { model: "gpt-4o", messages }, new AbortController().signal),
  );
  assertInstanceOf(e, LlmError);
  assertEquals(e.kind, "protocol");
  assertMatch(e.message, new RegExp(`larger than ${RESPONSE_LIMITS.bodyBytes / MiB} MiB`));
  assertMatch(e.message, /127\.0\.0\.1/);
  await model.waitForAborts(1);
});

Deno.test("upstream limits: one stream event that never ends is cut at the event limit", async () => {
  await using model = await startScriptedModel({
    replies: [{
      raw: pastLimit(event("Hi") + 'data: {"choices":"', BLOCK, RESPONSE_LIMITS.eventBytes),
    }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  let chunks = 0;
  const e = await assertRejects(async () => {
    chunks = 0;
    for await (
      const _ of streamChat(client, { model: "gpt-4o", messages }, new AbortController().signal)
    ) chunks++;
  });
  assertInstanceOf(e, LlmError);
  assertEquals(chunks, 1, "the complete event before it arrived");
  assertEquals(e.kind, "protocol");
  assertMatch(e.message, new RegExp(`event larger than ${RESPONSE_LIMITS.eventBytes / MiB} MiB`));
  await model.waitForAborts(1);
});

/** POSTs to rungpt's /v1 with its bearer token. */
function v1(rg: TestRungpt, path: string, json: unknown): Promise<Response> {
  return fetch(rg.origin + path, {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: JSON.stringify(json),
  });
}

Deno.test("upstream limits: /v1 relays an endless answer as a clear error, streamed or not", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  model.enqueue({
    contentType: "application/json",
    raw: pastLimit("{", BLOCK, RESPONSE_LIMITS.bodyBytes),
  });
  const plain = await v1(rg, "/v1/chat/completions", { model: "gpt-4o", messages });
  assertEquals(plain.status, 502);
  assertMatch((await plain.json()).error.message, /larger than 32 MiB; rungpt stopped reading/);

  model.enqueue({ raw: pastLimit(event("Hi") + "data: {", BLOCK, RESPONSE_LIMITS.eventBytes) });
  const streamed = await v1(rg, "/v1/chat/completions", {
    model: "gpt-4o",
    messages,
    stream: true,
  });
  assertEquals(streamed.status, 200);
  const blocks = (await streamed.text()).split("\n\n").filter(Boolean);
  assertEquals(JSON.parse(blocks[0].slice(6)).choices[0].delta.content, "Hi");
  const last = JSON.parse(blocks.at(-1)!.slice(6));
  assertMatch(last.error.message, /sent an event larger than 4 MiB/);
  assertEquals(blocks.length, 2, "no [DONE] after the error");
  await model.waitForAborts(2);
});

Deno.test("upstream limits: a chat reply that never ends is stopped at the reply limit and saved", async () => {
  // Events of 64 Ki characters each, without a finish: each fine alone, too many together.
  await using model = await startScriptedModel({
    replies: [{ raw: pastLimit(event(""), event(BLOCK), MAX_REPLY_CHARS) }],
  });
  await using rg = await startRungpt({ model });
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    json: { content: "hi" },
  });
  assertEquals(sent.status, 202);
  const { assistantMessage } = await sent.json();
  // The events stream ends when the turn does.
  const events = await (await rg.api(`/api/conversations/${conv.id}/events`)).text();
  const end = JSON.parse(events.match(/^event: end\ndata: (.*)$/m)![1]);
  assertEquals(end.errorKind, "protocol", events.slice(-500));
  assertMatch(
    end.error,
    new RegExp(`passed ${MAX_REPLY_CHARS.toLocaleString("en")} characters`),
  );
  const page = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  const saved = page.messages.find((m: { id: string }) => m.id === assistantMessage.id);
  assertEquals(saved.status, "error");
  assert(saved.content.length > MAX_REPLY_CHARS - BLOCK.length, "what came is kept");
  assert(saved.content.length <= MAX_REPLY_CHARS + BLOCK.length, "no more than the limit");
  await model.waitForAborts(1);
});
