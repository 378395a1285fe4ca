// `/v1/responses` through the real `openai` client: relayed to an upstream that has the
// Responses API, translated to Chat Completions and back for one that answers 404 (remembered),
// streamed and not, with function tools and a tool round trip; what cannot be translated or
// needs stored responses is a 400 naming the field.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

function client(rg: TestRungpt): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
}

const WEATHER_TOOL = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city.",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};

Deno.test("/v1/responses: translated for an upstream without it, and remembered", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Hello there", chunkSize: 3 }, { text: "Again" }],
  });
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  const first = await openai.responses.create({
    model: "gpt-4o",
    instructions: "Be brief.",
    input: "Say hello",
  });
  assert.equal(first.object, "response");
  assert.equal(first.status, "completed");
  assert.equal(first.output_text, "Hello there");
  assert.equal(first.model, "gpt-4o");
  assert.match(first.id, /^resp_/);
  assert.ok(first.usage && first.usage.input_tokens > 0);
  assert.equal(first.usage.output_tokens, 4);
  assert.equal(first.usage.total_tokens, first.usage.input_tokens + 4);
  // Asked once at /responses (404), then as a chat completion with the same content.
  assert.deepEqual(model.requests.map((r) => r.path), ["/v1/responses", "/v1/chat/completions"]);
  assert.deepEqual(model.chatRequests()[0].body.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Say hello" },
  ]);

  const second = await openai.responses.create({ model: "gpt-4o", input: "Again" });
  assert.equal(second.output_text, "Again");
  assert.equal(model.responsesRequests().length, 1, "the missing endpoint is remembered");
});

Deno.test("/v1/responses: relayed as it is to an upstream that has it, streamed and not", async () => {
  await using model = await startScriptedModel({
    responses: true,
    replies: [{ text: "Relayed" }, { chunks: ["Str", "eam", "ed"] }],
  });
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  const whole = await openai.responses.create({ model: "gpt-4o", input: "Hi", store: false });
  assert.equal(whole.output_text, "Relayed");
  const stream = await openai.responses.create({ model: "gpt-4o", input: "Hi", stream: true });
  const deltas: string[] = [];
  let completed: OpenAI.Responses.Response | null = null;
  for await (const event of stream) {
    if (event.type === "response.output_text.delta") deltas.push(event.delta);
    if (event.type === "response.completed") completed = event.response;
  }
  assert.deepEqual(deltas, ["Str", "eam", "ed"]);
  assert.equal(completed?.output_text ?? textOf(completed), "Streamed");
  assert.equal(model.chatRequests().length, 0);
  const [a, b] = model.responsesRequests();
  assert.equal(a.body.store, false, "fields pass through untouched");
  assert.equal(a.headers.authorization, "Bearer sk-test-key-0123456789");
  assert.equal(b.body.stream, true);
});

Deno.test("/v1/responses: translated stream has the Responses events in order", async () => {
  await using model = await startScriptedModel({ replies: [{ chunks: ["One ", "two"] }] });
  await using rg = await startRungpt({ model });
  const stream = await client(rg).responses.create({
    model: "gpt-4o",
    input: [{ role: "user", content: [{ type: "input_text", text: "Count" }] }],
    stream: true,
  });
  const types: string[] = [];
  const sequence: number[] = [];
  let final: OpenAI.Responses.Response | null = null;
  let text = "";
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") final = event.response;
  }
  assert.deepEqual(types, [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(sequence, types.map((_, i) => i));
  assert.equal(text, "One two");
  assert.equal(textOf(final), "One two");
  assert.ok(final?.usage && final.usage.output_tokens === 2);
  const [chat] = model.chatRequests();
  assert.deepEqual(chat.body.messages, [{
    role: "user",
    content: [{ type: "text", text: "Count" }],
  }]);
  assert.deepEqual(chat.body.stream_options, { include_usage: true });
});

for (const stream of [false, true]) {
  Deno.test(`/v1/responses: a function tool round trip, translated (stream: ${stream})`, async () => {
    await using model = await startScriptedModel({
      replies: [
        { toolCalls: [{ id: "call_w1", name: "get_weather", arguments: '{"city":"Oslo"}' }] },
        { text: "It is sunny in Oslo." },
      ],
    });
    await using rg = await startRungpt({ model });
    const openai = client(rg);
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather in Oslo?" }];
    const first = await ask(openai, { model: "gpt-4o", input, tools: [WEATHER_TOOL] }, stream);
    const calls = first.output.filter((i) => i.type === "function_call");
    assert.equal(calls.length, 1);
    const [call] = calls as OpenAI.Responses.ResponseFunctionToolCall[];
    assert.equal(call.call_id, "call_w1");
    assert.equal(call.name, "get_weather");
    assert.deepEqual(JSON.parse(call.arguments), { city: "Oslo" });
    const [chat1] = model.chatRequests();
    assert.deepEqual(chat1.body.tools, [{
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city.",
        parameters: WEATHER_TOOL.parameters,
        strict: true,
      },
    }]);

    input.push(call, { type: "function_call_output", call_id: "call_w1", output: "sunny" });
    const second = await ask(openai, { model: "gpt-4o", input, tools: [WEATHER_TOOL] }, stream);
    assert.equal(textOf(second), "It is sunny in Oslo.");
    const chat2 = model.chatRequests()[1];
    assert.deepEqual(chat2.body.messages.slice(1), [
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_w1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_w1", content: "sunny" },
    ]);
  });
}

Deno.test("/v1/responses: what needs stored state or built-in tools is a 400 naming it", async () => {
  await using model = await startScriptedModel({ replies: [] });
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  const cases: Array<[OpenAI.Responses.ResponseCreateParamsNonStreaming, string, RegExp]> = [
    [
      { model: "gpt-4o", input: "Hi", previous_response_id: "resp_1" },
      "previous_response_id",
      /does not store/,
    ],
    [
      { model: "gpt-4o", input: "Hi", tools: [{ type: "web_search" }] },
      "tools",
      /built-in tool "web_search"/,
    ],
    [
      { model: "gpt-4o", input: [{ type: "item_reference", id: "msg_1" }] },
      "input[0]",
      /item_reference/,
    ],
  ];
  for (const [params, param, message] of cases) {
    await assert.rejects(
      () => openai.responses.create(params),
      (e) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.equal((e.error as { param?: string }).param, param);
        assert.match(e.message, message);
        return true;
      },
    );
  }
  assert.equal(model.chatRequests().length, 0, "nothing half-translated went upstream");
});

Deno.test("/v1/responses: upstream errors keep their status; auth is required", async () => {
  for (const responses of [false, true]) {
    await using model = await startScriptedModel({
      responses,
      replies: [{ status: 429, retryAfter: 7 }, {
        status: 404,
        code: "model_not_found",
        message: "The model `nope` does not exist.",
      }],
    });
    await using rg = await startRungpt({ model });
    await assert.rejects(
      () => client(rg).responses.create({ model: "gpt-4o", input: "Hi" }),
      (e) => e instanceof OpenAI.RateLimitError && e.headers?.get("retry-after") === "7",
    );
    // A 404 about the model is the model's, not a missing endpoint: no fallback, no memory.
    await assert.rejects(
      () => client(rg).responses.create({ model: "nope", input: "Hi" }),
      (e) => e instanceof OpenAI.NotFoundError,
    );
    assert.equal(model.chatRequests().length, responses ? 0 : 2, `relayed: ${responses}`);
  }
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const res = await fetch(rg.origin + "/v1/responses", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", input: "Hi" }),
  });
  assert.equal(res.status, 401);
  await res.body?.cancel();
});

async function ask(
  openai: OpenAI,
  params: OpenAI.Responses.ResponseCreateParamsNonStreaming,
  stream: boolean,
): Promise<OpenAI.Responses.Response> {
  if (!stream) return await openai.responses.create(params);
  const events = openai.responses.stream({ ...params, stream: undefined });
  return await events.finalResponse();
}

function textOf(response: OpenAI.Responses.Response | null): string {
  let text = "";
  for (const item of response?.output ?? []) {
    if (item.type !== "message") continue;
    for (const part of item.content) if (part.type === "output_text") text += part.text;
  }
  return text;
}

Deno.test("/v1/responses: an error mid-stream ends it with error and response.failed", async () => {
  await using model = await startScriptedModel({
    replies: [{
      chunks: ["Half ", "an answer"],
      streamError: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
    }],
  });
  await using rg = await startRungpt({ model });
  const res = await fetch(rg.origin + "/v1/responses", {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", input: "Hi", stream: true }),
  });
  assert.equal(res.status, 200);
  const events = (await res.text()).split("\n\n").filter(Boolean).map((block) =>
    JSON.parse(block.split("\n")[1].slice(6))
  );
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(-2), ["error", "response.failed"]);
  assert.ok(!types.includes("response.completed"));
  assert.equal(events.at(-2).code, "rate_limit_exceeded");
  assert.match(events.at(-1).response.error.message, /rate limit/i);
  assert.equal(events.at(-1).response.output[0].content[0].text, "Half an answer");
});

for (const responses of [false, true]) {
  Deno.test(`/v1/responses: a client that goes away cancels the upstream (relayed: ${responses})`, async () => {
    await using model = await startScriptedModel({
      responses,
      replies: [{ chunks: ["a", "b", "c"], hang: true }],
    });
    await using rg = await startRungpt({ model });
    const controller = new AbortController();
    const stream = await client(rg).responses.create(
      { model: "gpt-4o", input: "Hi", stream: true },
      { signal: controller.signal },
    );
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") break;
    }
    controller.abort();
    const [abort] = await model.waitForAborts(1);
    assert.equal(abort.path, responses ? "/v1/responses" : "/v1/chat/completions");
  });
}

Deno.test("/v1/responses: a relayed event that never ends is cut at the event limit", async () => {
  const piece = "x".repeat(64 * 1024);
  await using model = await startScriptedModel({
    responses: true,
    replies: [
      { raw: (n) => n === 0 ? 'event: response.created\ndata: {"type":"' : piece },
      { text: "Still here" },
    ],
  });
  await using rg = await startRungpt({ model });
  const res = await fetch(rg.origin + "/v1/responses", {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", input: "Hi", stream: true }),
  });
  assert.equal(res.status, 200);
  await assert.rejects(() => res.text());
  await model.waitForAborts(1);
  // The server is fine: the next request is answered.
  const next = await client(rg).responses.create({ model: "gpt-4o", input: "Hi" });
  assert.equal(next.output_text, "Still here");
});
