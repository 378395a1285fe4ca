// Every LlmError kind, produced by a real request to the scripted server (or a closed port).
import { accumulateChunks, createClient, listModels, streamChat } from "../../lib/llm/mod.ts";
import { type Reply, startScriptedModel, type TextReply } from "../support/scripted_model.ts";
import {
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertRejects,
} from "../unit/llm/_assert.ts";

const messages = [{ role: "user" as const, content: "hi" }];
const KEY = "sk-test-4f9a8b7c6d5e";

async function streamError(reply: Reply, apiKey = KEY) {
  await using model = await startScriptedModel({ replies: [reply] });
  const client = createClient({ apiKey, baseURL: model.url });
  const err = await assertRejects(() =>
    accumulateChunks(
      streamChat(client, { model: "gpt-x", messages }, new AbortController().signal),
    )
  );
  return { err, url: model.url };
}

Deno.test("errors: a rejected key is 'auth' and the key is not in the message", async () => {
  await using model = await startScriptedModel({ requireKey: "sk-the-right-one" });
  const client = createClient({ apiKey: KEY, baseURL: model.url });
  const err = await assertRejects(() =>
    accumulateChunks(streamChat(client, { model: "m", messages }, new AbortController().signal))
  );
  assertEquals([err.kind, err.status], ["auth", 401]);
  assertEquals(
    err.message,
    `The API key was rejected by ${model.url} (401). Check it in Settings.`,
  );
  assertNotIncludes(err.message, KEY);
  assertNotIncludes(err.message, KEY.slice(-4));
});

Deno.test("errors: 429 is 'rate_limit' with retry-after", async () => {
  const { err } = await streamError({ status: 429, retryAfter: 20 });
  assertEquals([err.kind, err.status, err.retryAfter], ["rate_limit", 429, 20]);
  assertEquals(err.message, "Rate limited by the provider; retry in 20 s.");
});

Deno.test("errors: 404 is 'not_found' naming the model", async () => {
  const { err, url } = await streamError({ status: 404 });
  assertEquals(err.kind, "not_found");
  assertEquals(
    err.message,
    `The model 'gpt-x' was not found at ${url} (404). Pick another model, or check the base URL.`,
  );
});

Deno.test("errors: 400 is 'bad_request' with the provider's reason and code", async () => {
  const { err } = await streamError({
    status: 400,
    message: "This model's maximum context length is 8192 tokens.",
    code: "context_length_exceeded",
  });
  assertEquals([err.kind, err.code], ["bad_request", "context_length_exceeded"]);
  assertMatch(err.message, /maximum context length is 8192/);
});

Deno.test("errors: 500 is 'upstream'", async () => {
  const { err } = await streamError({ status: 500, message: "The server had an error" });
  assertEquals([err.kind, err.status], ["upstream", 500]);
  assertMatch(err.message, /failed \(500\): The server had an error/);
});

Deno.test("errors: a provider echoing the key does not leak it", async () => {
  const { err } = await streamError({ status: 400, message: `bad key ${KEY} here` });
  assertNotIncludes(err.message, KEY);
  assertMatch(err.message, /\[redacted\]/);
});

Deno.test("errors: a closed port is 'unreachable'", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const client = createClient({ apiKey: KEY, baseURL });
  const err = await assertRejects(() =>
    accumulateChunks(streamChat(client, { model: "m", messages }, new AbortController().signal))
  );
  assertEquals(err.kind, "unreachable");
  assertEquals(
    err.message,
    `Cannot reach ${baseURL}: connection refused. Is the server running?`,
  );
  const listErr = await assertRejects(() => listModels(client));
  assertEquals(listErr.kind, "unreachable");
});

Deno.test("errors: no response headers within the timeout is 'timeout'", async () => {
  await using model = await startScriptedModel({ replies: [{ hangBeforeHeaders: true }] });
  const client = createClient({ apiKey: KEY, baseURL: model.url, timeoutMs: 50 });
  const err = await assertRejects(() =>
    accumulateChunks(streamChat(client, { model: "m", messages }, new AbortController().signal))
  );
  assertEquals(err.kind, "timeout");
  assertMatch(err.message, /No response from http:\/\/127\.0\.0\.1:\d+\/v1 within 50 ms/);
  assertEquals(model.chatRequests().length, 1);
});

Deno.test("listModels: sorted ids; failures mapped", async () => {
  await using model = await startScriptedModel({ models: ["zeta", "alpha", "mid", "alpha"] });
  const client = createClient({ apiKey: null, baseURL: model.url });
  assertEquals(await listModels(client), ["alpha", "mid", "zeta"]);
  assertEquals(model.requests[0].path, "/v1/models");
  assertEquals(model.requests[0].headers.authorization, "Bearer no-key");

  model.setModels({ status: 401 });
  assertEquals((await assertRejects(() => listModels(client))).kind, "auth");
  model.setModels({ status: 503, message: "loading" });
  const err = await assertRejects(() => listModels(client));
  assertEquals(err.kind, "upstream");
  assertMatch(err.message, /loading/);
});

Deno.test("errors: an error inside a 200 stream is mapped by its type and code, as a status would be", async () => {
  const cases: Array<[TextReply, string, number, number | undefined]> = [
    [
      {
        text: "",
        streamError: {
          message: "Please try again in 1.5s.",
          code: "rate_limit_exceeded",
          type: "tokens",
        },
      },
      "rate_limit",
      429,
      2,
    ],
    [
      {
        text: "a",
        streamError: { message: "bad key", type: "invalid_request_error", code: "invalid_api_key" },
      },
      "auth",
      401,
      undefined,
    ],
    [
      { text: "", streamError: { message: "no", type: "permission_error" } },
      "auth",
      403,
      undefined,
    ],
    [
      {
        text: "",
        streamError: { message: "gone", type: "invalid_request_error", code: "model_not_found" },
      },
      "not_found",
      404,
      undefined,
    ],
    [
      {
        text: "",
        streamError: {
          message: "too long",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      },
      "bad_request",
      400,
      undefined,
    ],
    [
      { text: "", streamError: { message: "busy", type: "overloaded_error" } },
      "upstream",
      503,
      undefined,
    ],
    [
      { text: "", streamError: { message: "oops", type: "server_error" } },
      "upstream",
      500,
      undefined,
    ],
    [{ text: "", streamError: { message: "what", type: "mystery" } }, "upstream", -1, undefined],
  ];
  for (const [reply, kind, status, retryAfter] of cases) {
    const { err } = await streamError(reply);
    const label = JSON.stringify(reply.streamError);
    assertEquals([err.kind, err.status ?? -1, err.retryAfter], [kind, status, retryAfter], label);
  }
});
