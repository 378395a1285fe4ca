// A setup that finishes: saving a base URL chooses a default model from the provider's list,
// a stale default is flagged, "Test connection" reports models or what was wrong without
// saving, and nothing is written while there is nothing to talk to. Real HTTP throughout.
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

/** A first run: nothing configured, not even in the environment. */
const FRESH = { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", RUNGPT_MODEL: "" };
const KEY = "sk-setup-secret-key-0123456789";

async function put(rg: TestRungpt, json: unknown) {
  const res = await rg.api("/api/settings", { method: "PUT", json });
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

async function testConnection(rg: TestRungpt, json: unknown) {
  const res = await rg.api("/api/settings/test", { method: "POST", json });
  assert.equal(res.status, 200, await res.clone().text());
  return { text: await res.clone().text(), body: await res.json() };
}

async function savedFile(rg: TestRungpt): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(rg.dataDir, "settings.json")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
}

Deno.test("setup: saving only a base URL chooses the provider's first chat model, and the chat uses it", async () => {
  await using model = await startScriptedModel({
    models: ["nomic-embed-text:latest", "qwen2.5:7b", "llama3.2:3b"],
    replies: [{ text: "Hi!" }],
  });
  await using rg = await startRungpt({ env: FRESH });

  const saved = await put(rg, { baseURL: model.url });
  assert.equal(saved.model, "qwen2.5:7b", "the first chat model in the provider's order");
  assert.equal(saved.modelSource, "settings");
  assert.equal(saved.models.chosen, "qwen2.5:7b");
  assert.deepEqual(saved.models.models, ["llama3.2:3b", "nomic-embed-text:latest", "qwen2.5:7b"]);
  assert.equal((await savedFile(rg)).model, "qwen2.5:7b");

  // Listing again chooses nothing new: the default is set now.
  const listed = await (await rg.api("/api/models")).json();
  assert.equal(listed.default, "qwen2.5:7b");
  assert.equal(listed.chosen, undefined);
  assert.equal(listed.stale, undefined);

  const res = await rg.api("/api/conversations", { method: "POST", json: { content: "Hello" } });
  assert.equal(res.status, 202, await res.clone().text());
  const { conversation } = await res.json();
  await (await rg.api(`/api/conversations/${conversation.id}/events`)).text();
  assert.equal(model.chatRequests().at(-1)?.body.model, "qwen2.5:7b");
});

Deno.test("setup: the only model is chosen; a list of no chat model chooses none", async () => {
  await using model = await startScriptedModel({ models: ["text-embedding-3-small", "tts-1"] });
  await using rg = await startRungpt({ env: FRESH });
  const none = await put(rg, { baseURL: model.url });
  assert.equal(none.model, null);
  assert.equal(none.models.chosen, undefined);
  assert.equal((await savedFile(rg)).model, undefined);

  // The server now serves one model: the next listing (the Settings page, the chat) takes it.
  model.setModels(["mistral:7b"]);
  const listed = await (await rg.api("/api/models")).json();
  assert.equal(listed.chosen, "mistral:7b");
  assert.equal(listed.default, "mistral:7b");
  assert.equal((await savedFile(rg)).model, "mistral:7b");
});

Deno.test("setup: a default set by the user is kept; once the provider no longer lists it, it is flagged stale", async () => {
  await using model = await startScriptedModel({ models: ["llama3.2:3b", "qwen2.5:7b"] });
  await using other = await startScriptedModel({ models: ["gpt-4o", "gpt-4o-mini"] });
  await using rg = await startRungpt({ env: FRESH });
  const first = await put(rg, { baseURL: model.url, model: "llama3.2:3b" });
  assert.equal(first.model, "llama3.2:3b");
  assert.equal(first.models.chosen, undefined);
  assert.equal(first.models.stale, undefined);

  // A change of base URL: the saved default is not replaced, but flagged.
  const moved = await put(rg, { baseURL: other.url });
  assert.equal(moved.model, "llama3.2:3b");
  assert.equal(moved.models.stale, true);
  const listed = await (await rg.api("/api/models")).json();
  assert.equal(listed.stale, true);
  assert.equal(listed.default, "llama3.2:3b");
  assert.equal((await savedFile(rg)).model, "llama3.2:3b");

  // A server that lists nothing cannot say the default is gone.
  other.setModels([]);
  assert.equal((await (await rg.api("/api/models")).json()).stale, undefined);
});

Deno.test("setup: Test connection lists the models with unsaved values, and saves nothing", async () => {
  await using model = await startScriptedModel({ models: ["b-model", "a-model"], requireKey: KEY });
  await using rg = await startRungpt({ env: FRESH });

  const ok = await testConnection(rg, { baseURL: model.url, apiKey: KEY });
  assert.deepEqual(ok.body, { ok: true, baseURL: model.url, models: ["b-model", "a-model"] });
  assert.deepEqual(await savedFile(rg), {}, "nothing saved");
  assert.equal(model.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);

  // A wrong key: 401, said plainly, and neither key is echoed.
  const wrong = await testConnection(rg, { baseURL: model.url, apiKey: "sk-wrong-key-987654321" });
  assert.equal(wrong.body.ok, false);
  assert.equal(wrong.body.kind, "auth");
  assert.match(wrong.body.error, /API key was rejected by .* \(401\)/);
  assert.ok(!wrong.text.includes("987654321") && !wrong.text.includes(KEY), wrong.text);

  // Blank key: the key in effect (none here, so the server refuses it too).
  const blank = await testConnection(rg, { baseURL: model.url, apiKey: "  " });
  assert.equal(blank.body.kind, "auth");

  // With the key saved, a test without one uses it (it never comes back to the browser).
  await put(rg, { apiKey: KEY, baseURL: model.url });
  const saved = await testConnection(rg, {});
  assert.equal(saved.body.ok, true);
  assert.ok(!saved.text.includes(KEY));
});

Deno.test("setup: Test connection names an unreachable server and a base URL missing /v1", async () => {
  await using model = await startScriptedModel({ models: ["gpt-4o"] });
  await using rg = await startRungpt({ env: FRESH });

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const down = await testConnection(rg, { baseURL: `http://127.0.0.1:${port}/v1` });
  assert.equal(down.body.ok, false);
  assert.equal(down.body.kind, "unreachable");
  assert.match(down.body.error, new RegExp(`Cannot reach http://127.0.0.1:${port}/v1`));

  const origin = model.url.replace(/\/v1$/, "");
  const noV1 = await testConnection(rg, { baseURL: origin });
  assert.equal(noV1.body.kind, "not_found");
  assert.equal(
    noV1.body.error,
    `Nothing at ${origin}/models (404). Check the base URL: OpenAI-compatible servers usually end in /v1 (try ${origin}/v1).`,
  );

  // Without a key, OpenAI itself cannot be tried: said before any request.
  const openai = await testConnection(rg, { baseURL: "" });
  assert.equal(openai.body.kind, "no_key");
  assert.match(openai.body.error, /No API key is set/);

  const bad = await rg.api("/api/settings/test", { method: "POST", json: { model: "x" } });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /model/);
});

Deno.test("setup: with only OPENAI_BASE_URL set, the first turn chooses the model; an unreachable server is named, not 'no model'", async () => {
  await using model = await startScriptedModel({
    models: ["text-embedding-3-small", "llama3.2:3b"],
    replies: [{ text: "Hi!" }],
  });
  await using rg = await startRungpt({ env: { ...FRESH, OPENAI_BASE_URL: model.url } });
  const res = await rg.api("/api/conversations", { method: "POST", json: { content: "Hello" } });
  assert.equal(res.status, 202, await res.clone().text());
  const { conversation, assistantMessage } = await res.json();
  assert.equal(assistantMessage.model, "llama3.2:3b");
  await (await rg.api(`/api/conversations/${conversation.id}/events`)).text();
  assert.equal(model.chatRequests().at(-1)?.body.model, "llama3.2:3b");
  assert.equal((await savedFile(rg)).model, "llama3.2:3b", "remembered as the default");

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using down = await startRungpt({
    env: { ...FRESH, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
  });
  const sent = await down.api("/api/conversations", { method: "POST", json: { content: "Hi" } });
  assert.equal(sent.status, 202);
  const started = await sent.json();
  await (await down.api(`/api/conversations/${started.conversation.id}/events`)).text();
  const window = await (await down.api(`/api/conversations/${started.conversation.id}`)).json();
  const reply = window.messages[1];
  assert.equal(reply.status, "error");
  assert.match(reply.error, new RegExp(`Cannot reach http://127.0.0.1:${port}/v1`));
  assert.equal(reply.meta.errorKind, "unreachable");
});

Deno.test("setup: a hostile model list is bounded, and a name that cannot be saved is never chosen", async () => {
  const many = Array.from({ length: 1500 }, (_, i) => `model-${String(i).padStart(4, "0")}`);
  await using model = await startScriptedModel({
    models: ["x".repeat(300), "bad\u0007id", ...many],
  });
  await using rg = await startRungpt({ env: FRESH });
  const saved = await put(rg, { baseURL: model.url });
  assert.equal(saved.models.models.length, 1000, "at most 1000 ids kept");
  assert.equal(saved.models.chosen, "model-0000");
  assert.equal((await savedFile(rg)).model, "model-0000");
});
