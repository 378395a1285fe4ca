import assert from "node:assert/strict";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import { StoreError } from "../../../lib/store/errors.ts";
import type { Role, Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** A conversation of `n` messages "m0".."m<n-1>", user/assistant alternating. */
async function seed(store: Store, n: number): Promise<string> {
  const c = await store.createConversation();
  for (let i = 0; i < n; i++) {
    const role: Role = i % 2 ? "assistant" : "user";
    await store.addMessage({ conversationId: c.id, role, content: `m${i}` });
  }
  return c.id;
}

const contents = (page: { messages: { content: string }[] }) => page.messages.map((m) => m.content);

Deno.test("listMessagesPage pages back from the newest, ordered by seq", () =>
  withStore(async (store) => {
    const id = await seed(store, 10);
    const other = await seed(store, 3); // another conversation never leaks in
    const latest = await store.listMessagesPage(id, { limit: 4 });
    assert.deepEqual(contents(latest), ["m6", "m7", "m8", "m9"]);
    assert.equal(latest.hasMore, true);
    const older = await store.listMessagesPage(id, { beforeSeq: 6, limit: 4 });
    assert.deepEqual(contents(older), ["m2", "m3", "m4", "m5"]);
    assert.equal(older.hasMore, true);
    const oldest = await store.listMessagesPage(id, { beforeSeq: 2, limit: 4 });
    assert.deepEqual(contents(oldest), ["m0", "m1"]);
    assert.equal(oldest.hasMore, false);
    // Whole messages, the same as listMessages gives.
    assert.deepEqual(latest.messages, (await store.listMessages(id)).slice(6));
    assert.deepEqual(contents(await store.listMessagesPage(other, { limit: 10 })), [
      "m0",
      "m1",
      "m2",
    ]);
  }));

Deno.test("listMessagesPage: fromSeq bounds the range; no limit gives all of it", () =>
  withStore(async (store) => {
    const id = await seed(store, 10);
    const all = await store.listMessagesPage(id);
    assert.equal(all.messages.length, 10);
    assert.equal(all.hasMore, false);
    const from = await store.listMessagesPage(id, { fromSeq: 3 });
    assert.deepEqual(contents(from), ["m3", "m4", "m5", "m6", "m7", "m8", "m9"]);
    assert.equal(from.hasMore, true);
    const both = await store.listMessagesPage(id, { fromSeq: 3, beforeSeq: 6, limit: 2 });
    assert.deepEqual(contents(both), ["m4", "m5"]);
    assert.equal(both.hasMore, true);
  }));

Deno.test("listMessagesPage: empty and unknown conversations; bad options are clear errors", () =>
  withStore(async (store) => {
    assert.deepEqual(await store.listMessagesPage("nope", { limit: 5 }), {
      messages: [],
      hasMore: false,
    });
    const empty = (await store.createConversation()).id;
    assert.deepEqual(await store.listMessagesPage(empty), { messages: [], hasMore: false });
    const id = await seed(store, 3);
    assert.deepEqual(await store.listMessagesPage(id, { beforeSeq: 0 }), {
      messages: [],
      hasMore: false,
    });
    for (
      const [opts, field] of [
        [{ limit: -1 }, "limit"],
        [{ limit: 1.5 }, "limit"],
        [{ beforeSeq: 0.5 }, "beforeSeq"],
        [{ fromSeq: "3" as unknown as number }, "fromSeq"],
      ] as const
    ) {
      await assert.rejects(
        store.listMessagesPage(id, opts),
        (e) => e instanceof StoreError && e.message.includes(field),
        JSON.stringify(opts),
      );
    }
  }));

Deno.test("lastMessageSeq finds the newest message, or the newest of a role", () =>
  withStore(async (store) => {
    const id = await seed(store, 5); // m4 is a user message
    assert.equal(await store.lastMessageSeq(id), 4);
    assert.equal(await store.lastMessageSeq(id, "user"), 4);
    assert.equal(await store.lastMessageSeq(id, "assistant"), 3);
    assert.equal(await store.lastMessageSeq(id, "tool"), null);
    assert.equal(await store.lastMessageSeq("nope"), null);
    await assert.rejects(
      store.lastMessageSeq(id, "robot" as Role),
      (e) => e instanceof StoreError && /role/.test(e.message),
    );
  }));
