// Mapping of openai SDK errors to LlmError kinds and messages.
import OpenAI from "openai";
import { LlmError, redact, toLlmError } from "../../../lib/llm/mod.ts";
import { assertEquals, assertMatch, assertNotIncludes } from "./_assert.ts";

const ctx = { baseURL: "http://127.0.0.1:9/v1", model: "gpt-x", apiKey: "sk-secret-123456" };

function apiError(status: number, message: string, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(
    status,
    { error: { message, type: "t", code: null, param: null } },
    undefined,
    new Headers(headers),
  );
}

Deno.test("toLlmError: HTTP statuses map to kinds", () => {
  const cases: Array<[number, string]> = [
    [400, "bad_request"],
    [401, "auth"],
    [403, "auth"],
    [404, "not_found"],
    [422, "bad_request"],
    [429, "rate_limit"],
    [500, "upstream"],
    [503, "upstream"],
  ];
  for (const [status, kind] of cases) {
    const err = toLlmError(apiError(status, "boom"), ctx);
    assertEquals([err.kind, err.status], [kind, status], `status ${status}`);
  }
});

Deno.test("toLlmError: messages say what to do", () => {
  assertEquals(
    toLlmError(apiError(401, "Incorrect API key"), ctx).message,
    "The API key was rejected by http://127.0.0.1:9/v1 (401). Check it in Settings.",
  );
  assertEquals(
    toLlmError(apiError(404, "nope"), ctx).message,
    "The model 'gpt-x' was not found at http://127.0.0.1:9/v1 (404). Pick another model, or check the base URL.",
  );
  const limited = toLlmError(apiError(429, "slow down", { "retry-after": "20" }), ctx);
  assertEquals(limited.message, "Rate limited by the provider; retry in 20 s.");
  assertEquals(limited.retryAfter, 20);
  const ms = toLlmError(apiError(429, "slow down", { "retry-after-ms": "1500" }), ctx);
  assertEquals(ms.retryAfter, 2);
  assertMatch(toLlmError(apiError(400, "context too long"), ctx).message, /context too long/);
});

Deno.test("toLlmError: connection, timeout and abort errors", () => {
  const refused = new OpenAI.APIConnectionError({
    message: "Connection error.",
    cause: new TypeError("tcp connect error: Connection refused (os error 111)"),
  });
  const err = toLlmError(refused, ctx);
  assertEquals(err.kind, "unreachable");
  assertEquals(
    err.message,
    "Cannot reach http://127.0.0.1:9/v1: connection refused. Is the server running?",
  );
  assertEquals(toLlmError(new OpenAI.APIConnectionTimeoutError(), ctx).kind, "timeout");
  assertEquals(toLlmError(new OpenAI.APIUserAbortError(), ctx).kind, "aborted");
  assertEquals(toLlmError(new DOMException("x", "AbortError"), ctx).kind, "aborted");
  assertEquals(toLlmError(new SyntaxError("bad json"), ctx).kind, "protocol");
});

Deno.test("toLlmError: an LlmError passes through unchanged", () => {
  const original = new LlmError("no_key", "x");
  assertEquals(toLlmError(original), original);
});

Deno.test("toLlmError: the API key never appears in a message", () => {
  for (const status of [400, 401, 403, 404, 429, 500]) {
    const err = toLlmError(apiError(status, `key ${ctx.apiKey} and sk-abc***wxyz`), ctx);
    assertNotIncludes(err.message, ctx.apiKey);
    assertNotIncludes(err.message, "sk-abc");
  }
  const other = toLlmError(new Error(`failed with ${ctx.apiKey}`), ctx);
  assertNotIncludes(other.message, ctx.apiKey);
});

Deno.test("toLlmError: credentials in the base URL are not shown", () => {
  const err = toLlmError(apiError(500, "x"), { baseURL: "http://user:pw@127.0.0.1:9/v1" });
  assertNotIncludes(err.message, "pw");
  assertMatch(err.message, /http:\/\/127\.0\.0\.1:9\/v1/);
});

Deno.test("redact removes the key and key-shaped tokens", () => {
  assertEquals(redact("a my-custom-key b", "my-custom-key"), "a [redacted] b");
  assertEquals(redact("token sk-proj-abc123 end"), "token [redacted] end");
  assertEquals(
    redact("Incorrect API key provided: loc***5b4a. See the docs.", "local-other-key"),
    "Incorrect API key provided: [redacted]. See the docs.",
  );
  assertEquals(redact("masked (ab****yz)"), "masked ([redacted])");
});
