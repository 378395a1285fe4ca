// rungpt's OpenAI-compatible API (/v1) through raw HTTP and through the real `openai`
// client: auth, models, completions (streaming and not), error mapping, and what reaches
// the upstream.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { type ScriptedModel, startScriptedModel } from "../support/scripted_model.ts";

const PROVIDER_KEY = "sk-test-key-0123456789";

function v1(rg: TestRungpt, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${rg.token}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  return fetch(rg.origin + "/v1" + path, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
}

function client(rg: TestRungpt, apiKey = rg.token): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey, maxRetries: 0 });
}

/** Every upstream request carried the provider key and nothing of the rungpt token. */
function assertUpstreamClean(model: ScriptedModel, token: string): void {
  assert.ok(model.requests.length > 0);
  for (const r of model.requests) {
    assert.equal(r.headers.authorization, `Bearer ${PROVIDER_KEY}`, r.path);
    for (const [name, value] of Object.entries(r.headers)) {
      assert.ok(!value.includes(token), `header ${name} carries the rungpt token`);
    }
    assert.ok(!r.bodyText.includes(token), "the body carries the rungpt token");
  }
}

const messages = [{ role: "user", content: "Say hello" }];

Deno.test("v1: 401 in OpenAI's shape without or with a wrong token; nothing goes upstream", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "never" }] });
  await using rg = await startRungpt({ model });
  const cases: Array<[string, Record<string, string>]> = [
    ["none", {}],
    ["wrong", { authorization: "Bearer rgt_wrong-token-0123456789" }],
    ["prefix", { authorization: `Bearer ${rg.token.slice(0, -1)}` }],
    ["scheme", { authorization: `Basic ${btoa(`user:${rg.token}`)}` }],
    ["provider key", { authorization: `Bearer ${PROVIDER_KEY}` }],
  ];
  for (const [name, headers] of cases) {
    for (const [method, path] of [["GET", "/models"], ["POST", "/chat/completions"]]) {
      const res = await fetch(rg.origin + "/v1" + path, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ model: "gpt-4o", messages }) : undefined,
      });
      assert.equal(res.status, 401, `${name} ${path}`);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      const body = await res.json();
      assert.equal(typeof body.error.message, "string");
      assert.equal(body.error.code, "invalid_api_key");
    }
  }
  assert.equal(model.requests.length, 0);

  await assert.rejects(
    () => client(rg, "rgt_wrong-token-0123456789").models.list(),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
  );
});

Deno.test("v1: GET /v1/models lists the upstream's models (raw and openai client)", async () => {
  await using model = await startScriptedModel({ models: ["gpt-4o", "local-llama"] });
  await using rg = await startRungpt({ model });
  const res = await v1(rg, "/models");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.object, "list");
  assert.deepEqual(body.data.map((m: { id: string }) => m.id).sort(), ["gpt-4o", "local-llama"]);
  assert.ok(body.data.every((m: { object: string }) => m.object === "model"));

  const ids: string[] = [];
  for await (const m of client(rg).models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ["gpt-4o", "local-llama"]);
  assertUpstreamClean(model, rg.token);
});

Deno.test("v1: non-streaming completion, raw and through the openai client", async () => {
  const text = "Hello from the scripted model!";
  await using model = await startScriptedModel({ responder: () => ({ text }) });
  await using rg = await startRungpt({ model });

  const res = await v1(rg, "/chat/completions", {
    method: "POST",
    json: { model: "gpt-4o-mini", messages, temperature: 0.2 },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json();
  assert.equal(body.object, "chat.completion");
  assert.equal(body.choices[0].message.role, "assistant");
  assert.equal(body.choices[0].message.content, text);
  assert.equal(body.choices[0].finish_reason, "stop");
  assert.equal(typeof body.usage.total_tokens, "number");
  // The request went upstream as sent (extra fields pass through).
  const [sent] = model.chatRequests();
  assert.equal(sent.body.model, "gpt-4o-mini");
  assert.equal(sent.body.temperature, 0.2);
  assert.deepEqual(sent.body.messages, messages);
  assert.ok(!sent.body.stream);

  const completion = await client(rg).chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Say hello" }],
  });
  assert.equal(completion.choices[0].message.content, text);

  // Without a model, the configured default is used.
  const byDefault = await v1(rg, "/chat/completions", { method: "POST", json: { messages } });
  assert.equal(byDefault.status, 200);
  assert.equal((await byDefault.json()).choices[0].message.content, text);
  assert.equal(model.chatRequests()[2].body.model, "gpt-4o");
  assertUpstreamClean(model, rg.token);
});

Deno.test("v1: streaming completion in the OpenAI wire format (raw)", async () => {
  const text = "Streaming, one small piece at a time.";
  await using model = await startScriptedModel({ replies: [{ text, chunkSize: 5 }] });
  await using rg = await startRungpt({ model });
  const res = await v1(rg, "/chat/completions", {
    method: "POST",
    json: { model: "gpt-4o", messages, stream: true, stream_options: { include_usage: true } },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const raw = await res.text();
  assert.ok(raw.endsWith("data: [DONE]\n\n"), raw.slice(-100));
  const blocks = raw.split("\n\n").filter(Boolean);
  assert.ok(blocks.every((b) => b.startsWith("data: ") && !b.includes("\n")), raw);
  const datas = blocks.map((b) => b.slice("data: ".length));
  assert.equal(datas.filter((d) => d === "[DONE]").length, 1);
  const chunks = datas.slice(0, -1).map((d) => JSON.parse(d));
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
  const assembled = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.equal(assembled, text);
  assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === "stop"));
  assert.ok(chunks.some((c) => c.usage?.total_tokens > 0), "usage passes through");
  const [sent] = model.chatRequests();
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.stream_options, { include_usage: true });
  assertUpstreamClean(model, rg.token);
});

Deno.test("v1: streaming completion through the openai client", async () => {
  const text = "The openai client puts these chunks together.";
  await using model = await startScriptedModel({ responder: () => ({ text, chunkSize: 3 }) });
  await using rg = await startRungpt({ model });
  const stream = await client(rg).chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Stream please" }],
    stream: true,
  });
  let assembled = "";
  let finish: string | null = null;
  for await (const chunk of stream) {
    assembled += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(assembled, text);
  assert.equal(finish, "stop");

  // The SDK's stream helper agrees.
  const runner = client(rg).chat.completions.stream({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Again" }],
  });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.content, text);
  assertUpstreamClean(model, rg.token);
});

Deno.test("v1: upstream errors map to sensible statuses in OpenAI's shape", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const cases = [
    {
      reply: { status: 429, retryAfter: 7 },
      status: 429,
      retryAfter: "7",
      type: "rate_limit_error",
    },
    { reply: { status: 401 }, status: 401, message: /rejected/ },
    { reply: { status: 403 }, status: 403, message: /not allowed/ },
    { reply: { status: 404 }, status: 404 },
    {
      reply: { status: 400, message: "context too long" },
      status: 400,
      message: /context too long/,
    },
    { reply: { status: 500 }, status: 500 },
    { reply: { status: 503 }, status: 503 },
    { reply: { status: 502 }, status: 502 },
  ];
  for (const stream of [false, true]) {
    for (const c of cases) {
      model.enqueue(c.reply);
      const res = await v1(rg, "/chat/completions", {
        method: "POST",
        json: { model: "gpt-4o", messages, stream },
      });
      const label = `${c.reply.status} stream=${stream}`;
      assert.equal(res.status, c.status, label);
      if (c.retryAfter) assert.equal(res.headers.get("retry-after"), c.retryAfter, label);
      const body = await res.json();
      assert.equal(typeof body.error.message, "string", label);
      if (c.type) assert.equal(body.error.type, c.type, label);
      if (c.message) assert.match(body.error.message, c.message, label);
      // Messages name the upstream actually configured, not OpenAI's default.
      if (c.status !== 429) assert.ok(body.error.message.includes(model.url), body.error.message);
      assert.ok(!JSON.stringify(body).includes(PROVIDER_KEY), label);
    }
  }

  // The openai client sees a RateLimitError it can act on.
  model.enqueue({ status: 429, retryAfter: 3 });
  await assert.rejects(
    () =>
      client(rg).chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
      }),
    (e) =>
      e instanceof OpenAI.RateLimitError && e.status === 429 &&
      e.headers?.get("retry-after") === "3",
  );
});

Deno.test("v1: an unreachable upstream is a 502 naming it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using rg = await startRungpt({
    env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, RUNGPT_MODEL: "llama3" },
  });
  const res = await v1(rg, "/chat/completions", { method: "POST", json: { messages } });
  assert.equal(res.status, 502);
  const message = (await res.json()).error.message;
  assert.match(message, new RegExp(`Cannot reach http://127.0.0.1:${port}/v1`), message);
  const models = await v1(rg, "/models");
  assert.equal(models.status, 502);
  await models.body?.cancel();
});

Deno.test("v1: no provider configured is a 503 telling what to set", async () => {
  await using rg = await startRungpt();
  const res = await v1(rg, "/chat/completions", {
    method: "POST",
    json: { model: "gpt-4o", messages },
  });
  assert.equal(res.status, 503);
  assert.match((await res.json()).error.message, /API key/);
});

Deno.test("v1: no model and no default model is a 400 telling how to set one", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model, env: { RUNGPT_MODEL: "" } });
  const res = await v1(rg, "/chat/completions", { method: "POST", json: { messages } });
  assert.equal(res.status, 400);
  assert.match(
    (await res.json()).error.message,
    /^No model given and no default model is configured: send "model", or choose a default model in rungpt's Settings \(or start rungpt with RUNGPT_MODEL\)\.$/,
  );
  assert.equal(model.requests.length, 0);
});

Deno.test("v1: a stream cut mid-way ends with an error event and no [DONE]", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "This will be cut short", chunkSize: 4, cutAfter: 2 }],
  });
  await using rg = await startRungpt({ model });
  const res = await v1(rg, "/chat/completions", {
    method: "POST",
    json: { model: "gpt-4o", messages, stream: true },
  });
  assert.equal(res.status, 200);
  const raw = await res.text();
  assert.ok(!raw.includes("[DONE]"), raw);
  const datas = raw.split("\n\n").filter(Boolean).map((b) => JSON.parse(b.slice(6)));
  const last = datas.at(-1);
  assert.equal(typeof last.error.message, "string");
  assert.match(last.error.message, /cut off/);
  const text = datas.slice(0, -1).map((c) => c.choices[0]?.delta?.content ?? "").join("");
  assert.equal(text, "This wil");
});

Deno.test("v1: a client that disconnects mid-stream cancels the upstream request", async () => {
  await using model = await startScriptedModel({
    replies: [{ chunks: ["one ", "two "], hang: true }],
  });
  await using rg = await startRungpt({ model });
  const res = await v1(rg, "/chat/completions", {
    method: "POST",
    json: { model: "gpt-4o", messages, stream: true },
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel();
  const [abort] = await model.waitForAborts(1);
  assert.equal(abort.path, "/v1/chat/completions");
});

Deno.test("v1: bad requests answer 4xx in OpenAI's error shape", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const cases: Array<[RequestInit & { json?: unknown }, number, RegExp]> = [
    [{ method: "POST", json: { model: "gpt-4o" } }, 400, /messages/],
    [{ method: "POST", json: { model: "gpt-4o", messages: [] } }, 400, /messages/],
    [{ method: "POST", json: { model: 5, messages } }, 400, /model/],
    [{ method: "POST", json: { messages: [{ content: "no role" }] } }, 400, /role/],
    [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      },
      400,
      /JSON/,
    ],
    [{ method: "POST", headers: { "content-type": "text/plain" }, body: "hi" }, 415, /JSON/],
    [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: [{ role: "user", content: "x".repeat(17 * 1024 * 1024) }],
        }),
      },
      413,
      /larger/,
    ],
  ];
  for (const [init, status, pattern] of cases) {
    const res = await v1(rg, "/chat/completions", init);
    assert.equal(res.status, status, JSON.stringify(init.json ?? init.body).slice(0, 80));
    const body = await res.json();
    assert.equal(typeof body.error?.message, "string", JSON.stringify(body));
    assert.match(body.error.message, pattern);
  }
  assert.equal(model.requests.length, 0);

  // Unknown paths and methods answer in the same shape.
  const unknown = await v1(rg, "/audio/speech", { method: "POST", json: { input: "x" } });
  assert.equal(unknown.status, 404);
  assert.equal(typeof (await unknown.json()).error.message, "string");
  const wrongMethod = await v1(rg, "/chat/completions");
  assert.equal(wrongMethod.status, 405);
  assert.match(wrongMethod.headers.get("allow") ?? "", /POST/);
  assert.equal(typeof (await wrongMethod.json()).error.message, "string");

  // The openai client surfaces the message, not a JSON dump.
  await assert.rejects(
    () => client(rg).chat.completions.create({ model: "gpt-4o", messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && /^400 Invalid request: messages/.test(e.message),
  );
});
