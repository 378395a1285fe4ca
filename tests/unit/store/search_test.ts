import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import { toFtsQuery } from "../../../lib/store/fts_query.ts";
import type { Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

Deno.test("toFtsQuery quotes every word and prefixes the last", () => {
  assert.equal(toFtsQuery("hello wor"), '"hello" "wor"*');
  assert.equal(toFtsQuery('foo"bar'), '"foo""bar"*');
  assert.equal(toFtsQuery("AND OR NOT"), '"AND" "OR" "NOT"*');
  assert.equal(toFtsQuery("  *  (  )  "), null);
  assert.equal(toFtsQuery(""), null);
});

Deno.test("search finds message text with marked snippets and conversation info", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "Travel" });
    const m = await store.addMessage({
      conversationId: c.id,
      role: "user",
      content: "Where is the Eiffel Tower?",
    });
    await store.addMessage({ conversationId: c.id, role: "assistant", content: "In Paris." });
    const hits = await store.search("eiffel");
    assert.equal(hits.length, 1);
    assert.deepEqual(hits[0], {
      conversationId: c.id,
      conversationTitle: "Travel",
      messageId: m.id,
      role: "user",
      snippet: "Where is the \u0001Eiffel\u0002 Tower?",
      createdAt: m.createdAt,
    });
    // Case and diacritics do not matter.
    assert.equal((await store.search("PARÍS"))[0]?.snippet, "In \u0001Paris\u0002.");
  }));

Deno.test("search prefix-matches the last word (search as you type)", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    await store.addMessage({ conversationId: c.id, role: "user", content: "kubernetes deploy" });
    assert.equal((await store.search("kub")).length, 1);
    assert.equal((await store.search("kubernetes dep")).length, 1);
    // Only the last word is a prefix; earlier words must be whole.
    assert.equal((await store.search("kub deploy")).length, 0);
    // All words must match.
    assert.equal((await store.search("kubernetes docker")).length, 0);
  }));

Deno.test("search ranks the best match first", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const weak = await store.addMessage({
      conversationId: c.id,
      role: "user",
      content: "A long message about many things: cooking, travel, music, and once, rust.",
    });
    const strong = await store.addMessage({
      conversationId: c.id,
      role: "assistant",
      content: "rust rust rust",
    });
    const hits = await store.search("rust");
    assert.deepEqual(hits.map((h) => h.messageId), [strong.id, weak.id]);
  }));

Deno.test("search limit defaults to 50 and can be set", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    for (let i = 0; i < 60; i++) {
      await store.addMessage({ conversationId: c.id, role: "user", content: `apple ${i}` });
    }
    assert.equal((await store.search("apple")).length, 50);
    assert.equal((await store.search("apple", { limit: 5 })).length, 5);
    assert.equal((await store.search("apple", { limit: 100 })).length, 60);
  }));

Deno.test("hostile query strings never throw", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "t" });
    await store.addMessage({ conversationId: c.id, role: "user", content: 'foo"bar AND baz' });
    const hostile = [
      'foo"bar',
      '"',
      '""',
      "AND",
      "OR",
      "NOT",
      "NEAR(",
      "*",
      "(",
      ")",
      "foo AND",
      "^foo",
      "content:foo",
      "{content}: x",
      "-foo",
      "+",
      "\u0000",
      "\u0001\u0002",
      "a".repeat(10_000),
      "🙂",
      "'; DROP TABLE messages; --",
    ];
    for (const q of hostile) {
      const hits = await store.search(q);
      assert.ok(Array.isArray(hits), `query ${JSON.stringify(q)}`);
    }
    assert.equal((await store.search('foo"bar')).length, 1, "quotes are text, not syntax");
    assert.equal((await store.search("AND")).length, 1, "AND is a word, not an operator");
    assert.equal((await store.search("(")).length, 0);
    assert.equal((await store.listMessages(c.id)).length, 1, "the table is still there");
  }));

Deno.test("deleted messages and conversations vanish from results", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "zebra chat" });
    await store.addMessage({ conversationId: c.id, role: "user", content: "first" });
    await store.addMessage({ conversationId: c.id, role: "user", content: "giraffe" });
    assert.equal((await store.search("giraffe")).length, 1);
    await store.deleteMessagesFrom(c.id, 1);
    assert.equal((await store.search("giraffe")).length, 0);
    assert.equal((await store.search("zebra")).length, 1);
    await store.deleteConversation(c.id);
    assert.equal((await store.search("zebra")).length, 0);
    assert.equal((await store.search("first")).length, 0);
  }));

Deno.test("edited messages are found by their new text only", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const m = await store.addMessage({ conversationId: c.id, role: "user", content: "oldword" });
    await store.updateMessage(m.id, { content: "newword" });
    assert.equal((await store.search("oldword")).length, 0);
    assert.equal((await store.search("newword"))[0]?.messageId, m.id);
    // A status-only update keeps the entry.
    await store.updateMessage(m.id, { status: "stopped" });
    assert.equal((await store.search("newword")).length, 1);
  }));

Deno.test("streaming replies are indexed once they finish (or are recovered)", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const a = await store.addMessage({
      conversationId: c.id,
      role: "assistant",
      content: "",
      status: "streaming",
    });
    await store.updateMessage(a.id, { content: "photosynthesis is" });
    await store.updateMessage(a.id, { content: "photosynthesis is how plants" });
    await store.updateMessage(a.id, { status: "complete" });
    assert.equal((await store.search("plants")).length, 1);
    assert.equal((await store.search("photosynthesis")).length, 1);

    const b = await store.addMessage({
      conversationId: c.id,
      role: "assistant",
      content: "chlorophyll",
      status: "streaming",
    });
    await store.recoverInterrupted();
    assert.equal((await store.search("chlorophyll"))[0]?.messageId, b.id);
    // Going back to streaming (a retry into the same message) removes the entry until done.
    await store.updateMessage(b.id, { status: "streaming", content: "" });
    assert.equal((await store.search("chlorophyll")).length, 0);
  }));

Deno.test("titles are searchable; a title hit points at the first message", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "Quarterly budget" });
    const first = await store.addMessage({ conversationId: c.id, role: "user", content: "hi" });
    await store.addMessage({ conversationId: c.id, role: "assistant", content: "hello" });
    await store.createConversation({ title: "Quarterly empty" }); // no messages: not a hit
    const hits = await store.search("budg");
    assert.equal(hits.length, 1);
    assert.equal(hits[0].messageId, first.id);
    assert.equal(hits[0].snippet, "Quarterly \u0001budget\u0002");
    assert.equal(hits[0].conversationTitle, "Quarterly budget");

    await store.updateConversation(c.id, { title: "Annual plan" });
    assert.equal((await store.search("budget")).length, 0);
    assert.equal((await store.search("annual"))[0]?.conversationTitle, "Annual plan");
  }));

Deno.test("a message matching both in title and text appears once", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "pasta" });
    await store.addMessage({ conversationId: c.id, role: "user", content: "pasta recipe" });
    assert.equal((await store.search("pasta")).length, 1);
  }));

Deno.test("the full-text index stays consistent with the tables through every kind of change", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/rungpt.db`;
  try {
    const store = await openSqliteStore(path);
    try {
      const c = await store.createConversation({ title: "one" });
      const d = await store.createConversation({ title: "two" });
      const a = await store.addMessage({ conversationId: c.id, role: "user", content: "alpha" });
      const s = await store.addMessage({
        conversationId: c.id,
        role: "assistant",
        content: "",
        status: "streaming",
      });
      await store.updateMessage(s.id, { content: "beta" });
      await store.updateMessage(s.id, { content: "beta gamma", status: "complete" });
      await store.updateMessage(a.id, { content: "alpha2" });
      await store.updateMessage(a.id, { status: "streaming" });
      await store.updateMessage(a.id, { content: "alpha3", status: "error", error: "x" });
      await store.updateConversation(c.id, { title: "uno" });
      await store.addMessage({ conversationId: d.id, role: "user", content: "delta" });
      await store.addMessage({ conversationId: d.id, role: "user", content: "epsilon" });
      await store.deleteMessagesFrom(d.id, 1);
      await store.addMessage({
        conversationId: c.id,
        role: "tool",
        content: "x",
        status: "streaming",
      });
      await store.deleteConversation(c.id);
    } finally {
      await store.close();
    }
    const raw = new DatabaseSync(path);
    try {
      // Throws "database disk image is malformed" if the index and the table disagree.
      raw.exec("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
      raw.exec(
        "INSERT INTO conversations_fts (conversations_fts, rank) VALUES ('integrity-check', 1)",
      );
    } finally {
      raw.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
