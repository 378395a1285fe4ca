// Export (Markdown, JSON) and full-text search through real HTTP.
import assert from "node:assert/strict";
import type { Conversation } from "../../lib/store/types.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

async function newConversation(rg: TestRungpt, body: unknown = {}): Promise<Conversation> {
  const res = await rg.api("/api/conversations", { method: "POST", json: body });
  assert.equal(res.status, 201);
  return await res.json();
}

/** Sends a message and waits for the turn to end. */
async function chat(rg: TestRungpt, id: string, content: string): Promise<void> {
  const res = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content },
  });
  assert.equal(res.status, 202, await res.clone().text());
  await res.body?.cancel();
  const events = await (await rg.api(`/api/conversations/${id}/events`)).text();
  assert.match(events, /event: (end|idle)/);
}

Deno.test("export: Markdown and JSON downloads of a conversation", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Paris is the capital of France." }, { chunks: ["Lyon "], hang: true }],
  });
  await using rg = await startRungpt({ model });
  const conv = await newConversation(rg, { systemPrompt: "Answer in one line." });
  await chat(rg, conv.id, "What is the capital of France?");
  // A second turn, stopped part-way.
  const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    json: { content: "And the second city?" },
  });
  assert.equal(sent.status, 202);
  await sent.body?.cancel();
  for (
    let i = 0;
    i < 500 && rg.server.services.turns.snapshot(conv.id)?.content !== "Lyon ";
    i++
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await (await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" })).json();

  const md = await rg.api(`/api/conversations/${conv.id}/export?format=md`);
  assert.equal(md.status, 200);
  assert.match(md.headers.get("content-type") ?? "", /^text\/markdown/);
  assert.equal(
    md.headers.get("content-disposition"),
    'attachment; filename="what-is-the-capital-of-france.md"',
  );
  const text = await md.text();
  assert.match(text, /^# What is the capital of France\?\n/);
  assert.match(text, /> Answer in one line\./);
  assert.match(text, /\*\*You\*\*\n\nWhat is the capital of France\?/);
  assert.match(text, /\*\*Assistant \(gpt-4o\)\*\*\n\nParis is the capital of France\./);
  assert.match(text, /Lyon\s*\n\n_\(stopped\)_/);

  // Markdown is the default format.
  const byDefault = await rg.api(`/api/conversations/${conv.id}/export`);
  assert.equal(await byDefault.text(), text);

  const json = await rg.api(`/api/conversations/${conv.id}/export?format=json`);
  assert.equal(json.status, 200);
  assert.match(json.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(
    json.headers.get("content-disposition"),
    'attachment; filename="what-is-the-capital-of-france.json"',
  );
  const data = await json.json();
  assert.equal(data.format, "rungpt.conversation.v1");
  assert.equal(data.conversation.id, conv.id);
  assert.equal(data.conversation.systemPrompt, "Answer in one line.");
  assert.deepEqual(
    data.messages.map((m: { role: string; content: string; status: string }) => [
      m.role,
      m.content,
      m.status,
    ]),
    [
      ["user", "What is the capital of France?", "complete"],
      ["assistant", "Paris is the capital of France.", "complete"],
      ["user", "And the second city?", "complete"],
      ["assistant", "Lyon ", "stopped"],
    ],
  );
});

Deno.test("export: a hostile title cannot break the Content-Disposition header", async () => {
  await using rg = await startRungpt();
  const conv = await newConversation(rg, { title: 'Bad "name"\r\nSet-Cookie: x=1; ../../etc' });
  const res = await rg.api(`/api/conversations/${conv.id}/export?format=md`);
  assert.equal(res.status, 200);
  assert.match(
    res.headers.get("content-disposition") ?? "",
    /^attachment; filename="[a-z0-9-]+\.md"$/,
  );
  assert.equal(res.headers.get("set-cookie"), null);
  await res.body?.cancel();
  const empty = await newConversation(rg, { title: "???" });
  const res2 = await rg.api(`/api/conversations/${empty.id}/export?format=json`);
  assert.equal(res2.headers.get("content-disposition"), 'attachment; filename="conversation.json"');
  await res2.body?.cancel();
});

Deno.test("search: finds words from user and assistant messages, not deleted ones", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Zebras have stripes." }, { text: "Giraffes have long necks." }],
  });
  await using rg = await startRungpt({ model });
  const one = await newConversation(rg, { title: "Animals one" });
  await chat(rg, one.id, "Tell me about the okapi");
  const two = await newConversation(rg, { title: "Animals two" });
  await chat(rg, two.id, "Tell me about the wildebeest");

  const search = async (q: string) => {
    const res = await rg.api(`/api/search?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200, q);
    return (await res.json()).hits as Array<{
      conversationId: string;
      conversationTitle: string;
      role: string;
      snippet: string;
    }>;
  };

  const user = await search("okapi");
  assert.equal(user.length, 1);
  assert.equal(user[0].conversationId, one.id);
  assert.equal(user[0].conversationTitle, "Animals one");
  assert.equal(user[0].role, "user");
  assert.ok(user[0].snippet.includes("\u0001okapi\u0002"), user[0].snippet);

  const assistant = await search("stripes");
  assert.equal(assistant.length, 1);
  assert.equal(assistant[0].conversationId, one.id);
  assert.equal(assistant[0].role, "assistant");

  const both = await search("tell");
  assert.deepEqual(new Set(both.map((h) => h.conversationId)), new Set([one.id, two.id]));

  // Deleted conversations are gone from the results.
  assert.equal((await rg.api(`/api/conversations/${two.id}`, { method: "DELETE" })).status, 204);
  assert.deepEqual(await search("wildebeest"), []);
  assert.deepEqual(await search("necks"), []);
  assert.deepEqual((await search("tell")).map((h) => h.conversationId), [one.id]);

  // Odd input is searched as words, never an error.
  for (const q of ['"unbalanced', "AND OR NOT", "*", "okapi)", "col:umn", "x".repeat(600)]) {
    await search(q);
  }
  assert.deepEqual(await search(""), []);
  assert.deepEqual(await search("   "), []);
});
