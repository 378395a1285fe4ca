// The endpoints `/v1` only relays or looks up, through the real `openai` client:
// `GET /v1/models/{id}`, `POST /v1/embeddings`, `POST /v1/completions`.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

function client(rg: TestRungpt): OpenAI {
  return new OpenAI({ baseURL: rg.origin + "/v1", apiKey: rg.token, maxRetries: 0 });
}

Deno.test("GET /v1/models/{id}: a listed model, and 404 model_not_found for another", async () => {
  await using model = await startScriptedModel({ models: ["gpt-4o", "org/llama-3"] });
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  const found = await openai.models.retrieve("gpt-4o");
  assert.equal(found.id, "gpt-4o");
  assert.equal(found.object, "model");
  assert.equal((await openai.models.retrieve("org/llama-3")).id, "org/llama-3");
  await assert.rejects(
    () => openai.models.retrieve("nope"),
    (e) => e instanceof OpenAI.NotFoundError && e.code === "model_not_found",
  );
});

Deno.test("POST /v1/embeddings: relayed with the provider key; model required", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  const res = await openai.embeddings.create({
    model: "text-embedding-3-small",
    input: ["abc", "hello"],
    encoding_format: "float",
  });
  assert.deepEqual(res.data.map((d) => d.embedding), [[3, 97, 0.5], [5, 104, 0.5]]);
  const [upstream] = model.requests.filter((r) => r.path === "/v1/embeddings");
  assert.equal(upstream.body.model, "text-embedding-3-small");
  assert.equal(upstream.headers.authorization, "Bearer sk-test-key-0123456789");
  const missing = await fetch(rg.origin + "/v1/embeddings", {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: JSON.stringify({ input: "abc" }),
  });
  assert.equal(missing.status, 400);
  assert.match((await missing.json()).error.message, /model: required/);
});

Deno.test("POST /v1/completions: relayed, with the default model when none is given", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "world" }, { status: 429 }] });
  await using rg = await startRungpt({ model });
  const openai = client(rg);
  // deno-lint-ignore no-explicit-any
  const done = await openai.completions.create({ prompt: "hello" } as any);
  assert.equal(done.choices[0].text, "world");
  const [upstream] = model.requests.filter((r) => r.path === "/v1/completions");
  assert.equal(upstream.body.model, "gpt-4o");
  assert.equal(upstream.body.prompt, "hello");
  await assert.rejects(
    () => openai.completions.create({ model: "gpt-4o", prompt: "again" }),
    (e) => e instanceof OpenAI.RateLimitError,
  );
});
