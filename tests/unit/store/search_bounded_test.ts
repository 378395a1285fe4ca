// Search over many matches: ranking is bounded to the newest candidates, snippets are made
// for the returned hits only, and a one-letter last word is a whole word, not a prefix.
import assert from "node:assert/strict";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import { MIN_PREFIX_CHARS, toFtsQuery } from "../../../lib/store/fts_query.ts";
import type { Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

Deno.test("toFtsQuery: a last word shorter than the minimum prefix is matched whole", () => {
  assert.equal(MIN_PREFIX_CHARS, 2);
  assert.equal(toFtsQuery("k"), '"k"');
  assert.equal(toFtsQuery("vitamin k"), '"vitamin" "k"');
  assert.equal(toFtsQuery("k."), '"k."', "punctuation does not count toward the length");
  assert.equal(toFtsQuery("ku"), '"ku"*');
  assert.equal(toFtsQuery("日本"), '"日本"*');
});

Deno.test("search: a one-letter word finds that word, not every word starting with it", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const k = await store.addMessage({ conversationId: c.id, role: "user", content: "vitamin k" });
    await store.addMessage({ conversationId: c.id, role: "user", content: "kiwi and kale" });
    assert.deepEqual((await store.search("k")).map((h) => h.messageId), [k.id]);
    assert.equal((await store.search("ki")).length, 1, "two letters are a prefix again");
  }));

Deno.test("search over more matches than it ranks: best of the newest, with snippets", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "many" });
    // 2,100 plain matches (more than the 2,000 ranked), then a few strong ones among the
    // newest, and a strong one among the oldest that falls outside the ranked window.
    const oldStrong = await store.addMessage({
      conversationId: c.id,
      role: "user",
      content: "walrus walrus walrus",
    });
    for (let i = 0; i < 2100; i++) {
      await store.addMessage({
        conversationId: c.id,
        role: "assistant",
        content: `note ${i}: a long line that mentions the walrus once among many other words`,
      });
    }
    const strong = [];
    for (let i = 0; i < 3; i++) {
      strong.push(
        await store.addMessage({ conversationId: c.id, role: "user", content: "walrus walrus" }),
      );
    }
    const hits = await store.search("walrus", { limit: 10 });
    assert.equal(hits.length, 10);
    // The strong ones come first, newest first among equals.
    assert.deepEqual(hits.slice(0, 3).map((h) => h.messageId), strong.map((m) => m.id).reverse());
    // Ranking covers the newest matches only: the old strong one is past the window.
    assert.ok(!hits.some((h) => h.messageId === oldStrong.id));
    const marked = "\u0001walrus\u0002";
    for (const h of hits) assert.ok(h.snippet.includes(marked), `a snippet: ${h.snippet}`);
    assert.ok(hits[5].snippet.startsWith("note "), hits[5].snippet);
    assert.ok(hits[5].snippet.includes(`a long line that mentions the ${marked}`));
    // Prefix search over the same rows (a long prefix has no prefix index).
    const prefixed = await store.search("walru", { limit: 10 });
    assert.deepEqual(prefixed.map((h) => h.messageId), hits.map((h) => h.messageId));
    // A higher limit still returns as many hits as asked.
    assert.equal((await store.search("walrus", { limit: 500 })).length, 500);
  }));

Deno.test("search with few matches still ranks all of them, old or new", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const best = await store.addMessage({
      conversationId: c.id,
      role: "user",
      content: "narwhal narwhal narwhal",
    });
    for (let i = 0; i < 50; i++) {
      await store.addMessage({ conversationId: c.id, role: "user", content: `filler ${i}` });
    }
    const weak = await store.addMessage({
      conversationId: c.id,
      role: "user",
      content: "a long sentence about the sea, the ice, and a narwhal",
    });
    assert.deepEqual((await store.search("narwhal")).map((h) => h.messageId), [best.id, weak.id]);
  }));
