// lib/llm streaming and completion against the scripted OpenAI-compatible server.
import {
  accumulateChunks,
  completeChat,
  createClient,
  LlmError,
  streamChat,
  textDeltas,
} from "../../lib/llm/mod.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertMatch,
  assertRejects,
} from "../unit/llm/_assert.ts";

const messages = [{ role: "user" as const, content: "hi" }];

Deno.test("streamChat: text arrives chunk by chunk and accumulates", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["Hel", "lo", "!"] }] });
  const client = createClient({ apiKey: "sk-stream", baseURL: model.url });
  const signal = new AbortController().signal;
  const texts: string[] = [];
  for await (const t of textDeltas(streamChat(client, { model: "gpt-4o", messages }, signal))) {
    texts.push(t);
  }
  assertEquals(texts, ["Hel", "lo", "!"]);
  const req = model.chatRequests()[0];
  assertEquals(req.body.stream, true);
  assertEquals(req.body.model, "gpt-4o");
  assertEquals(req.body.messages, messages);
  assertEquals(req.headers.authorization, "Bearer sk-stream");
});

Deno.test("streamChat: usage arrives when stream_options asks for it", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "abcdef", chunkSize: 2 }] });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const acc = await accumulateChunks(
    streamChat(
      client,
      { model: "m", messages, stream_options: { include_usage: true } },
      new AbortController().signal,
    ),
  );
  assertEquals(acc.content, "abcdef");
  assertEquals(acc.finishReason, "stop");
  assertEquals(acc.usage?.completion_tokens, 3);
});

Deno.test("streamChat: tool calls assemble, including split args and shared index 0", async () => {
  await using model = await startScriptedModel({
    replies: [{
      content: ["Let me check."],
      toolCalls: [
        { id: "call_1", name: "weather", arguments: ['{"ci', 'ty":', '"Oslo"}'], index: 0 },
        { id: "call_2", name: "time", arguments: ['{"tz":', '"CET"}'], index: 0 },
      ],
    }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const acc = await accumulateChunks(
    streamChat(client, { model: "m", messages }, new AbortController().signal),
  );
  assertEquals(acc.content, "Let me check.");
  assertEquals(acc.finishReason, "tool_calls");
  assertEquals(acc.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.arguments })), [
    { id: "call_1", name: "weather", args: '{"city":"Oslo"}' },
    { id: "call_2", name: "time", args: '{"tz":"CET"}' },
  ]);
});

Deno.test("streamChat: raw fragments that repeat ids on every piece", async () => {
  await using model = await startScriptedModel({
    replies: [{
      toolCallFragments: [
        { index: 0, id: "a", name: "f", arguments: '{"x"' },
        { index: 0, id: "a", arguments: ":1}" },
        { index: 0, id: "b", name: "g", arguments: "{}" },
      ],
    }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const acc = await accumulateChunks(
    streamChat(client, { model: "m", messages }, new AbortController().signal),
  );
  assertEquals(acc.toolCalls.map((c) => [c.id, c.name, c.arguments]), [
    ["a", "f", '{"x":1}'],
    ["b", "g", "{}"],
  ]);
});

Deno.test("streamChat: aborting mid-stream ends with 'aborted' and the server sees it", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["one", "two"], hang: true }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const controller = new AbortController();
  const seen: string[] = [];
  const err = await assertRejects(async () => {
    for await (
      const t of textDeltas(streamChat(client, { model: "m", messages }, controller.signal))
    ) {
      seen.push(t);
      if (seen.length === 2) controller.abort();
    }
  });
  assertInstanceOf(err, LlmError);
  assertEquals(err.kind, "aborted");
  assertEquals(seen, ["one", "two"]);
  const [abort] = await model.waitForAborts(1);
  assertEquals(abort.path, "/v1/chat/completions");
});

Deno.test("streamChat: breaking out of the loop closes the connection", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["a", "b"], hang: true }] });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  for await (
    const _ of streamChat(client, { model: "m", messages }, new AbortController().signal)
  ) {
    break;
  }
  const aborts = await model.waitForAborts(1);
  assertEquals(aborts.length, 1);
});

Deno.test("streamChat: an already-aborted signal sends nothing", async () => {
  await using model = await startScriptedModel();
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const controller = new AbortController();
  controller.abort();
  const err = await assertRejects(async () => {
    for await (const _ of streamChat(client, { model: "m", messages }, controller.signal)) {
      // nothing
    }
  });
  assertEquals(err.kind, "aborted");
  assertEquals(model.requests.length, 0);
});

Deno.test("streamChat: a cut stream is a 'protocol' error saying so", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["a", "b", "c"], cutAfter: 1 }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const seen: string[] = [];
  const err = await assertRejects(async () => {
    for await (
      const t of textDeltas(
        streamChat(client, { model: "m", messages }, new AbortController().signal),
      )
    ) {
      seen.push(t);
    }
  });
  assertInstanceOf(err, LlmError);
  assertEquals(err.kind, "protocol");
  assertMatch(err.message, /the stream was cut off/);
  assertEquals(seen, ["a"]);
});

Deno.test("streamChat: a stream that ends cleanly without finish_reason is cut off", async () => {
  await using model = await startScriptedModel({
    responder: () => ({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      body: 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",' +
        '"choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}]}\n\n' +
        "data: [DONE]\n\n",
    }),
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const err = await assertRejects(() =>
    accumulateChunks(streamChat(client, { model: "m", messages }, new AbortController().signal))
  );
  assertEquals(err.kind, "protocol");
  assertMatch(err.message, /cut off/);
});

Deno.test("streamChat: an error event inside the stream is an 'upstream' error", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["a"], streamError: { message: "model overloaded" } }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const err = await assertRejects(() =>
    accumulateChunks(streamChat(client, { model: "m", messages }, new AbortController().signal))
  );
  assertEquals(err.kind, "upstream");
  assertMatch(err.message, /model overloaded/);
});

Deno.test("streamChat: a stalled stream times out", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["a"], hang: true }] });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const err = await assertRejects(() =>
    accumulateChunks(
      streamChat(client, { model: "m", messages }, new AbortController().signal, {
        idleTimeoutMs: 50,
      }),
    )
  );
  assertEquals(err.kind, "timeout");
  assertMatch(err.message, /stalled/);
  await model.waitForAborts(1);
});

Deno.test("completeChat: returns the completion; no key + base URL works", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Whole" }] });
  const client = createClient({ apiKey: null, baseURL: model.url });
  const done = await completeChat(
    client,
    { model: "llama3", messages },
    new AbortController().signal,
  );
  assertEquals(done.choices[0].message.content, "Whole");
  assertEquals(model.chatRequests()[0].body.stream, false);
  assert(done.usage!.total_tokens > 0);
});

Deno.test("completeChat: abort while waiting is 'aborted'", async () => {
  await using model = await startScriptedModel({ replies: [{ hangBeforeHeaders: true }] });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const controller = new AbortController();
  const pending = completeChat(client, { model: "m", messages }, controller.signal);
  while (model.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  const err = await assertRejects(() => pending);
  assertEquals(err.kind, "aborted");
  await model.waitForAborts(1);
});

Deno.test("completeChat: a non-JSON 200 answer is a 'protocol' error", async () => {
  await using model = await startScriptedModel({
    replies: [{
      status: 200,
      body: "<html>hello</html>",
      headers: { "content-type": "text/html" },
    }],
  });
  const client = createClient({ apiKey: "k", baseURL: model.url });
  const err = await assertRejects(() =>
    completeChat(client, { model: "m", messages }, new AbortController().signal)
  );
  assertEquals(err.kind, "protocol");
});
