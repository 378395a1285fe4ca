// createClient: defaults, placeholder key, caching and config validation.
import { createClient, LlmError, OPENAI_BASE_URL, PLACEHOLDER_KEY } from "../../../lib/llm/mod.ts";
import { assert, assertEquals, assertInstanceOf, assertRejects } from "./_assert.ts";

Deno.test("createClient: OpenAI's base URL by default, no retries", () => {
  const client = createClient({ apiKey: "sk-a", baseURL: null });
  assertEquals(client.baseURL, OPENAI_BASE_URL);
  assertEquals(client.apiKey, "sk-a");
  assertEquals(client.maxRetries, 0);
});

Deno.test("createClient: no key with a base URL uses a placeholder key", () => {
  const client = createClient({ apiKey: null, baseURL: "http://127.0.0.1:11434/v1/" });
  assertEquals(client.baseURL, "http://127.0.0.1:11434/v1");
  assertEquals(client.apiKey, PLACEHOLDER_KEY);
});

Deno.test("createClient: no key for OpenAI is a no_key error", async () => {
  for (const apiKey of [null, "", "  "]) {
    const err = await assertRejects(() => createClient({ apiKey, baseURL: null }));
    assertInstanceOf(err, LlmError);
    assertEquals(err.kind, "no_key");
  }
});

Deno.test("createClient: equal configs share a client, different ones do not", () => {
  const a = createClient({ apiKey: "k", baseURL: "http://127.0.0.1:1/v1", timeoutMs: 1000 });
  const b = createClient({ apiKey: "k", baseURL: "http://127.0.0.1:1/v1", timeoutMs: 1000 });
  const c = createClient({ apiKey: "k2", baseURL: "http://127.0.0.1:1/v1", timeoutMs: 1000 });
  assert(a === b);
  assert(a !== c);
  assertEquals(a.timeout, 1000);
});

Deno.test("createClient: a bad base URL or timeout is a clear error", async () => {
  for (const baseURL of ["not a url", "ftp://host/v1"]) {
    const err = await assertRejects(() => createClient({ apiKey: "k", baseURL }));
    assertInstanceOf(err, LlmError);
    assertEquals(err.kind, "bad_request");
    assert(err.message.includes(baseURL));
  }
  const err = await assertRejects(() =>
    createClient({ apiKey: "k", baseURL: null, timeoutMs: -1 })
  );
  assertEquals(err.kind, "bad_request");
});
