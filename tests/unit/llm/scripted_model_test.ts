// Proves the scripted server speaks a wire format the real `openai` SDK parses.
import OpenAI from "openai";
import { assert, assertEquals, assertInstanceOf, assertRejects } from "./_assert.ts";
import { startScriptedModel } from "../../support/scripted_model.ts";

function sdk(url: string, apiKey = "sk-test"): OpenAI {
  return new OpenAI({ apiKey, baseURL: url, maxRetries: 0 });
}

async function readSse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split("\n\n").filter((e) => e.length > 0);
}

Deno.test("scripted model: GET /v1/models lists configured models", async () => {
  await using model = await startScriptedModel({ models: ["b-model", "a-model"] });
  const res = await fetch(`${model.url}/models`);
  assertEquals(res.status, 200);
  const body = await res.json();
  assertEquals(body.object, "list");
  assertEquals(body.data.map((m: { id: string }) => m.id), ["b-model", "a-model"]);
  assertEquals(body.data[0].object, "model");
  assertEquals(typeof body.data[0].created, "number");
  assertEquals(typeof body.data[0].owned_by, "string");

  const ids: string[] = [];
  for await (const m of sdk(model.url).models.list()) ids.push(m.id);
  assertEquals(ids, ["b-model", "a-model"]);

  model.setModels({ status: 500, message: "models are down" });
  const err = await assertRejects(() => sdk(model.url).models.list());
  assertInstanceOf(err, OpenAI.InternalServerError);
});

Deno.test("scripted model: streaming text has OpenAI's chunk shape and [DONE]", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["Hel", "lo"] }] });
  const res = await fetch(`${model.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer k" },
    body: JSON.stringify({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    }),
  });
  assertEquals(res.headers.get("content-type"), "text/event-stream");
  const events = await readSse(res);
  assertEquals(events.at(-1), "data: [DONE]");
  const chunks = events.slice(0, -1).map((e) => {
    assert(e.startsWith("data: "), e);
    return JSON.parse(e.slice(6));
  });
  // role chunk, two content chunks, finish chunk, usage chunk
  assertEquals(chunks.length, 5);
  for (const c of chunks) {
    assert(c.id.startsWith("chatcmpl-"));
    assertEquals(c.object, "chat.completion.chunk");
    assertEquals(c.model, "gpt-4o");
    assertEquals(typeof c.created, "number");
  }
  assertEquals(chunks[0].choices[0].delta.role, "assistant");
  assertEquals(chunks[0].choices[0].logprobs, null);
  assertEquals(chunks.slice(1, 3).map((c) => c.choices[0].delta.content), ["Hel", "lo"]);
  assertEquals(chunks[3].choices[0].finish_reason, "stop");
  assertEquals(chunks[4].choices, []);
  assertEquals(chunks[4].usage.completion_tokens, 2);
  assertEquals(model.requests[0].headers.authorization, "Bearer k");
  assertEquals(model.requests[0].body.messages[0].content, "hi");
});

Deno.test("scripted model: the SDK parses streamed text and usage", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Hello world", chunkSize: 4 }],
  });
  const stream = await sdk(model.url).chat.completions.create({
    model: "gpt-4o-mini",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "hi" }],
  });
  let text = "";
  let finish: string | null = null;
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  assertEquals(text, "Hello world");
  assertEquals(finish, "stop");
  assertEquals(usage?.completion_tokens, 3);
  assertEquals(usage?.total_tokens, usage!.prompt_tokens + 3);
});

Deno.test("scripted model: the SDK parses a non-streaming completion", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Whole answer" }] });
  const done = await sdk(model.url).chat.completions.create({
    model: "m1",
    messages: [{ role: "user", content: "hi" }],
  });
  assert(done.id.startsWith("chatcmpl-"));
  assertEquals(done.object, "chat.completion");
  assertEquals(done.model, "m1");
  assertEquals(done.choices[0].message.content, "Whole answer");
  assertEquals(done.choices[0].finish_reason, "stop");
  assert(done.usage!.prompt_tokens > 0);
});

Deno.test("scripted model: streamed tool calls use index, id and split arguments", async () => {
  await using model = await startScriptedModel({
    replies: [{
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: ['{"ci', 'ty":"Par', 'is"}'] },
        { id: "call_b", name: "get_time", arguments: "{}", index: 0 },
      ],
    }],
  });
  const stream = await sdk(model.url).chat.completions.create({
    model: "gpt-4o",
    stream: true,
    messages: [{ role: "user", content: "weather?" }],
  });
  const fragments = [];
  let finish = null;
  for await (const chunk of stream) {
    fragments.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assertEquals(finish, "tool_calls");
  assertEquals(fragments.map((f) => [f.index, f.id, f.function?.name, f.function?.arguments]), [
    [0, "call_a", "get_weather", ""],
    [0, undefined, undefined, '{"ci'],
    [0, undefined, undefined, 'ty":"Par'],
    [0, undefined, undefined, 'is"}'],
    [0, "call_b", "get_time", ""],
    [0, undefined, undefined, "{}"],
  ]);

  // Non-streaming, the same script yields assembled tool calls.
  model.enqueue({ toolCalls: [{ id: "call_x", name: "f", arguments: ['{"a"', ":1}"] }] });
  const done = await sdk(model.url).chat.completions.create({ model: "m", messages: [] });
  const call = done.choices[0].message.tool_calls![0];
  assertEquals(call.id, "call_x");
  assert(call.type === "function");
  assertEquals(call.function, { name: "f", arguments: '{"a":1}' });
});

Deno.test("scripted model: HTTP errors map to the SDK's error classes", async () => {
  await using model = await startScriptedModel({
    replies: [
      { status: 400, message: "bad param", param: "messages" },
      { status: 404, message: "no such model" },
      { status: 429, retryAfter: 20 },
      { status: 500 },
    ],
  });
  const ask = () =>
    sdk(model.url).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "x" }],
    });
  const e400 = await assertRejects(ask);
  assertInstanceOf(e400, OpenAI.BadRequestError);
  assertEquals(e400.status, 400);
  assertEquals(e400.param, "messages");
  assert(e400.message.includes("bad param"));
  assertInstanceOf(await assertRejects(ask), OpenAI.NotFoundError);
  const e429 = await assertRejects(ask);
  assertInstanceOf(e429, OpenAI.RateLimitError);
  assertEquals(e429.headers.get("retry-after"), "20");
  assertEquals(e429.code, "rate_limit_exceeded");
  assertInstanceOf(await assertRejects(ask), OpenAI.InternalServerError);
  assertEquals(model.chatRequests().length, 4);
});

Deno.test("scripted model: requireKey answers 401 to other keys, like OpenAI", async () => {
  await using model = await startScriptedModel({
    requireKey: "sk-right-key",
    replies: [{ text: "ok" }],
  });
  const err = await assertRejects(() => sdk(model.url, "sk-wrong-key").models.list());
  assertInstanceOf(err, OpenAI.AuthenticationError);
  assertEquals(err.status, 401);
  assertEquals(err.code, "invalid_api_key");
  const ids = [];
  for await (const m of sdk(model.url, "sk-right-key").models.list()) ids.push(m.id);
  assert(ids.length > 0);
  assertEquals(model.requests[0].headers.authorization, "Bearer sk-wrong-key");
});

Deno.test("scripted model: a cut stream ends without [DONE] and the SDK throws", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["a", "b", "c", "d"], cutAfter: 2 }],
  });
  const stream = await sdk(model.url).chat.completions.create({
    model: "m",
    stream: true,
    messages: [],
  });
  const seen: string[] = [];
  await assertRejects(async () => {
    for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
  });
  assertEquals(seen, ["", "a", "b"]);
});

Deno.test("scripted model: a hanging reply records the client's disconnect", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["x"], hang: true }] });
  const controller = new AbortController();
  const stream = await sdk(model.url).chat.completions.create(
    { model: "m", stream: true, messages: [] },
    { signal: controller.signal },
  );
  const seen: string[] = [];
  for await (const chunk of stream) {
    seen.push(chunk.choices[0]?.delta.content ?? "");
    if (seen.length === 2) controller.abort();
  }
  assertEquals(seen, ["", "x"]);
  const [abort] = await model.waitForAborts(1);
  assertEquals(abort.requestIndex, 0);
  assertEquals(abort.path, "/v1/chat/completions");
  assertEquals(abort.eventsSent, 2);
});

Deno.test("scripted model: hangBeforeHeaders records a disconnect before any byte", async () => {
  await using model = await startScriptedModel({ replies: [{ hangBeforeHeaders: true }] });
  const controller = new AbortController();
  const pending = fetch(`${model.url}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [] }),
    signal: controller.signal,
  });
  // Abort only once the server has the request, so the abort is a real disconnect.
  while (model.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  await assertRejects(() => pending);
  const [abort] = await model.waitForAborts(1);
  assertEquals(abort.eventsSent, 0);
});

Deno.test("scripted model: close() ends a response that is still hanging", async () => {
  const model = await startScriptedModel({ replies: [{ chunks: ["x"], hang: true }] });
  const res = await fetch(`${model.url}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", stream: true, messages: [] }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  await model.close();
  // The body ends once the server is closed; drain it so no resource leaks.
  while (!(await reader.read()).done) { /* drain */ }
});

Deno.test("scripted model: unknown routes and missing replies give clear errors", async () => {
  await using model = await startScriptedModel();
  const res = await fetch(`${model.url}/nope`, { method: "POST" });
  assertEquals(res.status, 404);
  assertEquals((await res.json()).error.message, "Invalid URL (POST /v1/nope)");
  const err = await assertRejects(() =>
    sdk(model.url).chat.completions.create({ model: "m", messages: [] })
  );
  assertInstanceOf(err, OpenAI.InternalServerError);
  assert(err.message.includes("no reply queued"));
});

Deno.test("scripted model: a responder computes replies from the request", async () => {
  await using model = await startScriptedModel({
    responder: (req) => ({ text: `you said ${req.body.messages.at(-1).content}` }),
  });
  const done = await sdk(model.url).chat.completions.create({
    model: "m",
    messages: [{ role: "user", content: "ping" }],
  });
  assertEquals(done.choices[0].message.content, "you said ping");
});
