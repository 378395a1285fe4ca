// Errors an upstream reports inside a `200` stream (`data: {"error": …}`), as OpenAI and many
// servers do, through rungpt's /v1 and the real `openai` client: before any content they are an
// error answer with the status they stand for (a rate limit is a 429 with Retry-After, so SDKs
// back off instead of retrying at once); after content the stream ends with an error event of
// the same type and code. The same holds with plugin actions (the action loop).
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startActionsEnv, TEXT_ARGS } from "../support/action_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel, type StreamControl } from "../support/scripted_model.ts";

function client(rg: TestRungpt): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
}

const RATE_LIMIT: StreamControl["streamError"] = {
  message: "Rate limit reached for gpt-4o on tokens per min. Please try again in 20s.",
  type: "tokens",
  code: "rate_limit_exceeded",
};
const BAD_KEY: StreamControl["streamError"] = {
  message: "Incorrect API key provided.",
  type: "invalid_request_error",
  code: "invalid_api_key",
};
const TOO_LONG: StreamControl["streamError"] = {
  message: "This model's maximum context length is 8192 tokens.",
  type: "invalid_request_error",
  code: "context_length_exceeded",
};

/** Streams one completion through the SDK; returns the text it got and how it ended. */
async function streamThrough(openai: OpenAI): Promise<{ text: string; error: unknown }> {
  let text = "";
  try {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

Deno.test("v1 relay: an in-stream rate limit before any content is a 429 RateLimitError with retry-after", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "", streamError: RATE_LIMIT }],
  });
  await using rg = await startRungpt({ model });
  const { text, error } = await streamThrough(client(rg));
  assert.equal(text, "");
  assert.ok(error instanceof OpenAI.RateLimitError, String(error));
  assert.equal(error.status, 429);
  assert.equal(error.headers?.get("retry-after"), "20");
  assert.equal(error.type, "rate_limit_error");
  assert.equal(error.code, "rate_limit_exceeded");
});

Deno.test("v1 relay: in-stream auth and context-length errors before content keep 401 and 400", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "", streamError: BAD_KEY }, { text: "", streamError: TOO_LONG }],
  });
  await using rg = await startRungpt({ model });
  const auth = await streamThrough(client(rg));
  assert.ok(auth.error instanceof OpenAI.AuthenticationError, String(auth.error));
  assert.equal(auth.error.status, 401);
  assert.match(auth.error.message, /API key was rejected by/);
  const long = await streamThrough(client(rg));
  assert.ok(long.error instanceof OpenAI.BadRequestError, String(long.error));
  assert.equal(long.error.status, 400);
  assert.equal(long.error.code, "context_length_exceeded");
  assert.match(long.error.message, /maximum context length is 8192/);
});

Deno.test("v1 relay: an in-stream error after content ends the stream with its mapped type and code", async () => {
  await using model = await startScriptedModel({
    replies: [
      { text: "Hello there", chunkSize: 4, streamError: RATE_LIMIT },
      { text: "Hello there", chunkSize: 4, streamError: TOO_LONG },
    ],
  });
  await using rg = await startRungpt({ model });
  const limited = await streamThrough(client(rg));
  assert.equal(limited.text, "Hello there");
  assert.ok(limited.error instanceof OpenAI.APIError, String(limited.error));
  assert.equal(limited.error.type, "rate_limit_error");
  assert.equal(limited.error.code, "rate_limit_exceeded");
  assert.match(limited.error.message, /retry in 20 s/);
  const long = await streamThrough(client(rg));
  assert.ok(long.error instanceof OpenAI.APIError, String(long.error));
  assert.equal(long.error.type, "invalid_request_error");
  assert.equal(long.error.code, "context_length_exceeded");
});

const PROBE = {
  name: "probe",
  wasm: "echo",
  actions: [{ name: "upper", description: "Upper-cases.", parameters: TEXT_ARGS }],
};

Deno.test("v1 with plugin actions: in-stream errors keep their status before content and their type after", async () => {
  await using env = await startActionsEnv(
    () => ({ text: "", streamError: RATE_LIMIT }),
    [PROBE],
    { mode: "tags" },
  );
  const openai = client(env.rg);
  const before = await streamThrough(openai);
  assert.ok(before.error instanceof OpenAI.RateLimitError, String(before.error));
  assert.equal(before.error.headers?.get("retry-after"), "20");
  env.model.setResponder(() => ({ text: "", streamError: BAD_KEY }));
  await assert.rejects(
    () =>
      openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
      }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
  );
  env.model.setResponder(() => ({ text: "Partial answer", streamError: TOO_LONG }));
  const after = await streamThrough(openai);
  assert.equal(after.text, "Partial answer");
  assert.ok(after.error instanceof OpenAI.APIError, String(after.error));
  assert.equal(after.error.type, "invalid_request_error");
  assert.equal(after.error.code, "context_length_exceeded");
});
