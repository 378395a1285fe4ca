// Settings (the key never leaves the server) and the model list, through real HTTP.
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const ENV_KEY = "sk-test-key-0123456789";
const NEW_KEY = "sk-settings-secret-key-ABCDEFGH";

async function put(rg: TestRungpt, json: unknown): Promise<Response> {
  return await rg.api("/api/settings", { method: "PUT", json });
}

Deno.test("settings: GET never contains the key; PUT stores it 0600 and uses it", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "ok" }] });
  await using rg = await startRungpt({ model });

  const first = await rg.api("/api/settings");
  assert.equal(first.status, 200);
  const raw = await first.text();
  assert.ok(!raw.includes(ENV_KEY), raw);
  assert.ok(!raw.includes("0123456789"), raw);
  const initial = JSON.parse(raw);
  assert.equal(initial.apiKeySet, true);
  assert.equal(initial.apiKeySource, "env");
  assert.equal(initial.baseURL, model.url);
  assert.equal(initial.model, "gpt-4o");

  const saved = await put(rg, { apiKey: NEW_KEY, model: "gpt-4o-mini" });
  assert.equal(saved.status, 200);
  const savedText = await saved.text();
  assert.ok(!savedText.includes(NEW_KEY), savedText);
  assert.ok(!savedText.includes("settings-secret"), savedText);
  const body = JSON.parse(savedText);
  assert.equal(body.apiKeySet, true);
  assert.equal(body.apiKeySource, "settings");
  assert.match(body.apiKeyMasked, /EFGH$/);
  assert.equal(body.model, "gpt-4o-mini");
  assert.equal(body.modelSource, "settings");

  const again = await (await rg.api("/api/settings")).text();
  assert.ok(!again.includes(NEW_KEY), again);

  const file = join(rg.dataDir, "settings.json");
  if (Deno.build.os !== "windows") assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  assert.equal(JSON.parse(await Deno.readTextFile(file)).apiKey, NEW_KEY);

  // The next turn goes upstream with the new key and model.
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    json: { content: "hi" },
  });
  assert.equal(sent.status, 202);
  await sent.body?.cancel();
  await (await rg.api(`/api/conversations/${conv.id}/events`)).text();
  const [request] = model.chatRequests();
  assert.equal(request.headers.authorization, `Bearer ${NEW_KEY}`);
  assert.equal(request.body.model, "gpt-4o-mini");
});

Deno.test("settings: PUT validates and names the field; null and blank clear", async () => {
  // Saving a key or base URL lists the models: from a local port nothing listens on, never
  // from OpenAI over the network.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/v1`;
  listener.close();
  await using rg = await startRungpt({ env: { OPENAI_API_KEY: ENV_KEY, OPENAI_BASE_URL: closed } });
  assert.equal(
    (await put(rg, { baseURL: "http://127.0.0.1:11434/v1", model: "llama3" })).status,
    200,
  );
  const file = join(rg.dataDir, "settings.json");
  const before = await Deno.readTextFile(file);

  for (
    const [json, field] of [
      [{ baseURL: "not a url" }, "baseURL"],
      [{ baseURL: "ftp://example.com/v1" }, "baseURL"],
      [{ baseURL: "javascript:alert(1)" }, "baseURL"],
      [{ apiKey: "sk-has space" }, "apiKey"],
      [{ apiKey: 42 }, "apiKey"],
      [{ model: "x".repeat(300) }, "model"],
      [{ colour: "red" }, "colour"],
      [{ nativeToolsUnsupported: ["ok", "  "] }, "nativeToolsUnsupported"],
      [{ nativeToolsUnsupported: "gpt-4o" }, "nativeToolsUnsupported"],
    ] as const
  ) {
    const res = await put(rg, json);
    assert.equal(res.status, 400, JSON.stringify(json));
    const error = (await res.json()).error as string;
    assert.match(error, new RegExp(field), error);
  }
  const notJson = await rg.api("/api/settings", {
    method: "PUT",
    headers: { "content-type": "text/plain" },
    body: "apiKey=x",
  });
  assert.equal(notJson.status, 415);
  await notJson.body?.cancel();
  // Nothing was written by the refused requests.
  assert.equal(await Deno.readTextFile(file), before);

  // A blank string clears like null; absent fields are left alone.
  const blank = await (await put(rg, { baseURL: "   " })).json();
  assert.equal(blank.baseURL, closed);
  assert.equal(blank.baseURLSource, "env");
  assert.equal(blank.model, "llama3");
  const cleared = await (await put(rg, { model: null })).json();
  assert.equal(cleared.model, null);
  assert.equal(cleared.modelSource, null);
  // Clearing the stored key falls back to the environment.
  await put(rg, { apiKey: NEW_KEY });
  const envAgain = await (await put(rg, { apiKey: null })).json();
  assert.equal(envAgain.apiKeySource, "env");
  assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), {});
});

Deno.test("models: lists the upstream's models; an upstream failure is an error, not a 500", async () => {
  await using model = await startScriptedModel({ models: ["zeta-1", "alpha-2", "gpt-4o"] });
  await using rg = await startRungpt({ model });
  const ok = await rg.api("/api/models");
  assert.equal(ok.status, 200);
  const list = await ok.json();
  assert.deepEqual([...list.models].sort(), ["alpha-2", "gpt-4o", "zeta-1"]);
  assert.equal(list.default, "gpt-4o");
  assert.equal(list.error, undefined);

  model.setModels({ status: 500, message: "models are down" });
  const failed = await rg.api("/api/models");
  assert.equal(failed.status, 200);
  const body = await failed.json();
  assert.deepEqual(body.models, []);
  assert.equal(body.default, "gpt-4o");
  assert.match(body.error, /500/);

  model.setModels({ status: 401 });
  const auth = await (await rg.api("/api/models")).json();
  assert.deepEqual(auth.models, []);
  assert.match(auth.error, /rejected/);
  assert.ok(!JSON.stringify(auth).includes(ENV_KEY));
});

Deno.test("models: an unreachable upstream reports where it tried", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using rg = await startRungpt({ env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
  const res = await rg.api("/api/models");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.models, []);
  assert.match(body.error, new RegExp(`Cannot reach http://127.0.0.1:${port}/v1`));
});

Deno.test("settings: remembered actions and tags-only models all land at once, and can be reset", async () => {
  await using rg = await startRungpt({ env: { OPENAI_API_KEY: ENV_KEY } });
  const { tools } = rg.server.services;
  // What "Always allow" and the auto-mode fallback save, several at once.
  await Promise.all([
    tools.allowAlways("one.run"),
    tools.markNativeUnsupported("llama3"),
    tools.allowAlways("two.run"),
    tools.markNativeUnsupported("qwen2"),
    tools.allowAlways("one.run"),
  ]);
  const saved = (await (await rg.api("/api/settings")).json()).actions;
  assert.deepEqual(saved.alwaysAllowed, ["one.run", "two.run"]);
  assert.deepEqual(saved.nativeToolsUnsupported, ["llama3", "qwen2"]);

  // "Revoke" and "Try tools again" for one entry take it out of the list as saved now: what
  // was added since the page loaded stays.
  await tools.allowAlways("three.run");
  const revoked = await (await put(rg, { remove: { alwaysAllowed: ["one.run"] } })).json();
  assert.deepEqual(revoked.actions.alwaysAllowed, ["two.run", "three.run"]);
  await tools.markNativeUnsupported("phi3");
  const one = await (await put(rg, { remove: { nativeToolsUnsupported: ["llama3", "phi3"] } }))
    .json();
  assert.deepEqual(one.actions.nativeToolsUnsupported, ["qwen2"]);
  for (const remove of [{ colour: ["x"] }, { alwaysAllowed: "one.run" }]) {
    const bad = await put(rg, { remove });
    assert.equal(bad.status, 400, JSON.stringify(remove));
  }
  const all = await (await put(rg, { nativeToolsUnsupported: null })).json();
  assert.deepEqual(all.actions.nativeToolsUnsupported, []);
  assert.deepEqual(all.actions.alwaysAllowed, ["two.run", "three.run"]);
});

Deno.test("settings: a corrupt settings file gives pages an HTML explanation, the API JSON", async () => {
  await using rg = await startRungpt({ env: { OPENAI_API_KEY: ENV_KEY } });
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  const file = join(rg.dataDir, "settings.json");
  await Deno.writeTextFile(file, '{"apiKey": "sk-half-written', { mode: 0o600 });

  for (const path of ["/", "/settings", `/c/${conv.id}`]) {
    const res = await rg.api(path);
    assert.equal(res.status, 500, path);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/, path);
    const html = await res.text();
    assert.match(html, /<h1>rungpt cannot read its settings<\/h1>/, path);
    assert.match(html, /is not valid JSON/, path);
    assert.ok(html.includes(`<code>${file}</code>`), `${path} names the file`);
    assert.match(html, /Fix the file in a text editor, or delete it/, path);
    assert.ok(!html.includes("sk-half-written"), `${path} shows none of the file`);
  }
  // API routes keep answering JSON, with the same explanation.
  const api = await rg.api("/api/settings");
  assert.equal(api.status, 500);
  assert.match(api.headers.get("content-type") ?? "", /^application\/json/);
  const body = await api.json();
  assert.equal(body.kind, "settings");
  assert.match(body.error, /is not valid JSON .*; fix it or delete it/);
  // Nothing about it was logged as an unexpected failure.
  assert.deepEqual(rg.logs.filter((l) => l.startsWith("error")), []);

  // Once fixed, the pages work again.
  await Deno.writeTextFile(file, "{}");
  const page = await rg.api("/settings");
  assert.equal(page.status, 200);
  await page.body?.cancel();
});
