// Paging a long conversation through real HTTP: GET /api/conversations/:id answers the latest
// window with hasMore; ?before=&limit= pages back; ?through= reaches back to one message; bad
// queries are 400s naming the field; a running turn's reply is in the window, and regenerate
// works on a conversation longer than one window.
import assert from "node:assert/strict";
import type { Conversation, Message } from "../../lib/store/types.ts";
import { PAGE_SIZE } from "../../lib/chat/page_data.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

interface Window {
  conversation: Conversation;
  messages: Message[];
  running: boolean;
  hasMore: boolean;
}

async function getWindow(rg: TestRungpt, id: string, query = ""): Promise<Window> {
  const res = await rg.api(`/api/conversations/${id}${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return await res.json();
}

/** A conversation of `n` alternating user/assistant messages written through the store. */
async function seed(rg: TestRungpt, n: number): Promise<{ id: string; messages: Message[] }> {
  const store = rg.server.services.store;
  const c = await store.createConversation({ title: "long" });
  const messages: Message[] = [];
  for (let i = 0; i < n; i++) {
    messages.push(
      await store.addMessage({
        conversationId: c.id,
        role: i % 2 ? "assistant" : "user",
        content: `message ${i}`,
      }),
    );
  }
  return { id: c.id, messages };
}

const seqs = (w: Window) => w.messages.map((m) => m.seq);

Deno.test("paging: the latest window, then older pages until hasMore is false", async () => {
  await using rg = await startRungpt();
  const { id, messages } = await seed(rg, 250);
  const latest = await getWindow(rg, id);
  assert.equal(latest.messages.length, PAGE_SIZE);
  assert.deepEqual(latest.messages, messages.slice(-PAGE_SIZE));
  assert.equal(latest.hasMore, true);
  assert.equal(latest.running, false);
  assert.equal(latest.conversation.id, id);

  // Walk back to the start with pages of 60: every message exactly once, in order.
  const seen: Message[] = [...latest.messages];
  let w = latest;
  while (w.hasMore) {
    w = await getWindow(rg, id, `?before=${w.messages[0].seq}&limit=60`);
    assert.ok(w.messages.length <= 60);
    seen.unshift(...w.messages);
  }
  assert.deepEqual(seen.map((m) => m.id), messages.map((m) => m.id));
  assert.deepEqual(seqs(await getWindow(rg, id, "?before=3")), [0, 1, 2]);
  assert.deepEqual(await getWindow(rg, id, "?before=0").then((x) => x.messages), []);

  // A short conversation fits: hasMore is false.
  const short = await seed(rg, 3);
  const s = await getWindow(rg, short.id);
  assert.equal(s.messages.length, 3);
  assert.equal(s.hasMore, false);
});

Deno.test("paging: ?through= reaches back to a message; unknown ids are 404", async () => {
  await using rg = await startRungpt();
  const { id, messages } = await seed(rg, 300);
  const w = await getWindow(rg, id, `?through=${messages[42].id}`);
  assert.ok(w.messages.some((m) => m.id === messages[42].id));
  assert.ok(w.messages[0].seq <= 42);
  assert.equal(w.messages.at(-1)!.id, messages[299].id, "contiguous down to the newest");
  assert.deepEqual(
    seqs(w),
    Array.from({ length: w.messages.length }, (_, i) => w.messages[0].seq + i),
  );

  const other = await seed(rg, 2);
  for (const bad of [other.messages[0].id, "not-a-message"]) {
    const res = await rg.api(`/api/conversations/${id}?through=${bad}`);
    assert.equal(res.status, 404);
    assert.match((await res.json()).error, new RegExp(`No message with id ${bad}`));
  }
  const gone = await rg.api(`/api/conversations/nope?before=3`);
  assert.equal(gone.status, 404);
});

Deno.test("paging: bad before/limit are 400s that name the field", async () => {
  await using rg = await startRungpt();
  const { id } = await seed(rg, 5);
  for (
    const [query, field] of [
      ["?before=abc", "before"],
      ["?before=-1", "before"],
      ["?before=1.5", "before"],
      ["?limit=0", "limit"],
      ["?limit=501", "limit"],
      ["?limit=ten", "limit"],
      ["?before=1e400", "before"],
    ]
  ) {
    const res = await rg.api(`/api/conversations/${id}${query}`);
    assert.equal(res.status, 400, query);
    const body = await res.json();
    assert.match(body.error, new RegExp(`^Invalid query: ${field}`), query);
  }
});

Deno.test("paging: a running reply is in the window; regenerate works past one window", async () => {
  const gate = Promise.withResolvers<void>();
  let calls = 0;
  await using model = await startScriptedModel({
    responder: async () => {
      calls++;
      if (calls === 1) await gate.promise;
      return { text: `Reply ${calls}`, chunkSize: 4 };
    },
  });
  await using rg = await startRungpt({ model });
  const { id } = await seed(rg, 2 * PAGE_SIZE);
  const sent = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content: "one more" },
  });
  assert.equal(sent.status, 202, await sent.clone().text());
  const { assistantMessage } = await sent.json();
  const running = await getWindow(rg, id);
  assert.equal(running.running, true);
  assert.equal(running.hasMore, true);
  assert.equal(running.messages.at(-1)!.id, assistantMessage.id);
  assert.equal(running.messages.at(-1)!.status, "streaming");
  gate.resolve();
  const events = await rg.api(`/api/conversations/${id}/events`);
  await events.text();

  const regen = await rg.api(`/api/conversations/${id}/regenerate`, { method: "POST", json: {} });
  assert.equal(regen.status, 202, await regen.clone().text());
  await (await rg.api(`/api/conversations/${id}/events`)).text();
  const after = await getWindow(rg, id);
  assert.equal(after.running, false);
  assert.deepEqual(after.messages.slice(-2).map((m) => [m.role, m.content]), [
    ["user", "one more"],
    ["assistant", "Reply 2"],
  ]);
  assert.equal(after.messages.at(-2)!.seq, 2 * PAGE_SIZE, "nothing older was touched");
  // The new reply comes after every message so far; the old one is kept as a version.
  assert.equal(after.messages.at(-1)!.seq, 2 * PAGE_SIZE + 2);
  assert.deepEqual(after.messages.at(-1)!.versions, [
    assistantMessage.id,
    after.messages.at(-1)!.id,
  ]);
});
