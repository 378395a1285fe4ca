// Chat titles and pins through real HTTP: the model titles a chat after its first exchange
// (through the scripted OpenAI-compatible server), the Settings switch turns that off, a
// rename is never overwritten, and pins persist and order the list.
import assert from "node:assert/strict";
import { TITLE_INSTRUCTION } from "../../lib/chat/title.ts";
import type { Conversation } from "../../lib/store/types.ts";
import { readEvents, startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const TITLES_ON = { env: { RUNGPT_AUTO_TITLES: "on" } };

/** Sends a new chat's first message; returns the conversation as the answer has it. */
async function firstMessage(rg: TestRungpt, content: string): Promise<Conversation> {
  const res = await rg.api("/api/conversations", { method: "POST", json: { content } });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()).conversation;
}

/** Waits for the conversation's turn to end (its event stream closes). */
async function turnEnded(rg: TestRungpt, id: string): Promise<string> {
  const events = await readEvents(await rg.api(`/api/conversations/${id}/events`));
  return events.at(-1)!.event;
}

async function conversation(rg: TestRungpt, id: string): Promise<Conversation> {
  return (await (await rg.api(`/api/conversations/${id}`)).json()).conversation;
}

Deno.test("the model titles a chat after its first exchange, once", async () => {
  await using model = await startScriptedModel({
    replies: [
      { text: "Spring is lovely there.", chunkSize: 5 },
      { text: 'Title: "**Spring in Paris**."' },
      { text: "Pack an umbrella." },
    ],
  });
  await using rg = await startRungpt({ model, ...TITLES_ON });
  const c = await firstMessage(rg, "# Plan a *trip*\nto Paris in April");
  assert.equal(c.title, "Plan a trip", "until then: the first line without markdown");
  assert.equal(await turnEnded(rg, c.id), "end");
  const titled = await conversation(rg, c.id);
  assert.equal(titled.title, "Spring in Paris");
  assert.equal(titled.titleByUser, false);

  const [turn, title] = model.chatRequests();
  assert.equal(turn.body.stream, true);
  assert.equal(title.body.stream, false, "the title request is not streamed");
  assert.equal(title.body.model, "gpt-4o");
  assert.equal(title.body.max_tokens, 32);
  assert.deepEqual(title.body.messages[0], { role: "system", content: TITLE_INSTRUCTION });
  assert.equal(
    title.body.messages[1].content,
    "User: # Plan a *trip*\nto Paris in April\n\nAssistant: Spring is lovely there.",
  );

  // The second exchange asks for no title.
  const res = await rg.api(`/api/conversations/${c.id}/messages`, {
    method: "POST",
    json: { content: "And the weather?" },
  });
  assert.equal(res.status, 202);
  await turnEnded(rg, c.id);
  assert.equal(model.chatRequests().length, 3);
  assert.equal((await conversation(rg, c.id)).title, "Spring in Paris");
});

Deno.test("with titles off in Settings, a chat keeps its first line and no request is made", async () => {
  await using model = await startScriptedModel({ responder: () => ({ text: "Sure." }) });
  await using rg = await startRungpt({ model, ...TITLES_ON });
  const saved = await rg.api("/api/settings", { method: "PUT", json: { autoTitles: false } });
  assert.equal(saved.status, 200);
  assert.equal((await saved.json()).autoTitles, false);
  const c = await firstMessage(rg, "**Bold** question about `deno`");
  await turnEnded(rg, c.id);
  assert.equal((await conversation(rg, c.id)).title, "Bold question about deno");
  assert.equal(model.chatRequests().length, 1);
  const bad = await rg.api("/api/settings", { method: "PUT", json: { autoTitles: "no" } });
  assert.equal(bad.status, 400);
});

Deno.test("a failed title request keeps the first-line title and the reply", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Answer." }, { status: 500, message: "title service down" }],
  });
  await using rg = await startRungpt({ model, ...TITLES_ON });
  const c = await firstMessage(rg, "What is a monad?");
  assert.equal(await turnEnded(rg, c.id), "end");
  const got = await (await rg.api(`/api/conversations/${c.id}`)).json();
  assert.equal(got.conversation.title, "What is a monad?");
  assert.equal(got.messages.at(-1).status, "complete");
  assert.equal(got.messages.at(-1).content, "Answer.");
  assert.equal(model.chatRequests().length, 2);
});

Deno.test("a title the user set is never replaced, even by a title request in flight", async () => {
  const gate = Promise.withResolvers<void>();
  const titleAsked = Promise.withResolvers<void>();
  await using model = await startScriptedModel({
    replies: [{ text: "Reply one." }],
    responder: async () => {
      titleAsked.resolve();
      await gate.promise;
      return { text: "Generated title" };
    },
  });
  await using rg = await startRungpt({ model, ...TITLES_ON });
  const c = await firstMessage(rg, "Hello there");
  const ended = turnEnded(rg, c.id);
  await titleAsked.promise;
  const renamed = await rg.api(`/api/conversations/${c.id}`, {
    method: "PATCH",
    json: { title: "My own name" },
  });
  assert.equal(renamed.status, 200);
  assert.equal((await renamed.json()).titleByUser, true);
  gate.resolve();
  await ended;
  assert.equal((await conversation(rg, c.id)).title, "My own name");

  // Renamed before the first message: no title request at all.
  const empty = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  await rg.api(`/api/conversations/${empty.id}`, { method: "PATCH", json: { title: "Named" } });
  const before = model.chatRequests().length;
  model.enqueue({ text: "Reply two." });
  await rg.api(`/api/conversations/${empty.id}/messages`, {
    method: "POST",
    json: { content: "Hi" },
  });
  await turnEnded(rg, empty.id);
  assert.equal(model.chatRequests().length, before + 1);
  assert.equal((await conversation(rg, empty.id)).title, "Named");
});

Deno.test("pins persist across a restart and list first; a rename moves a chat to the top", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-titles-" });
  try {
    const ids: string[] = [];
    {
      await using rg = await startRungpt({ dataDir });
      for (const title of ["a", "b", "c"]) {
        const res = await rg.api("/api/conversations", { method: "POST", json: { title } });
        ids.push((await res.json()).id);
      }
      const pin = await rg.api(`/api/conversations/${ids[0]}`, {
        method: "PATCH",
        json: { pinned: true },
      });
      assert.equal(pin.status, 200);
      assert.equal((await pin.json()).pinned, true);
      const bad = await rg.api(`/api/conversations/${ids[1]}`, {
        method: "PATCH",
        json: { pinned: "yes" },
      });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /pinned/);
      await rg.api(`/api/conversations/${ids[1]}`, { method: "PATCH", json: { title: "b2" } });
    }
    await using rg = await startRungpt({ dataDir });
    const list = (await (await rg.api("/api/conversations")).json()).conversations;
    assert.deepEqual(
      list.map((c: Conversation) => [c.title, c.pinned]),
      [["a", true], ["b2", false], ["c", false]],
    );
    await rg.api(`/api/conversations/${ids[0]}`, { method: "PATCH", json: { pinned: false } });
    const after = (await (await rg.api("/api/conversations")).json()).conversations;
    assert.deepEqual(after.map((c: Conversation) => c.title), ["b2", "c", "a"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("Stop while the title is asked: the reply stays complete, the first-line title stays", async () => {
  await using model = await startScriptedModel({
    replies: [{ text: "Complete reply." }, { hangBeforeHeaders: true }],
  });
  await using rg = await startRungpt({ model, ...TITLES_ON });
  const c = await firstMessage(rg, "Why is the sky blue?");
  const ended = turnEnded(rg, c.id);
  while (model.chatRequests().length < 2) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await rg.api(`/api/conversations/${c.id}/stop`, { method: "POST" })).status, 200);
  await ended;
  const got = await (await rg.api(`/api/conversations/${c.id}`)).json();
  assert.equal(got.running, false);
  assert.equal(got.conversation.title, "Why is the sky blue?");
  assert.equal(got.messages.at(-1).status, "complete");
  assert.equal(got.messages.at(-1).content, "Complete reply.");
});
