import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { migrate, MIGRATIONS } from "../../../lib/store/migrations.ts";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import type { Message, Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

const contents = (ms: Message[]) => ms.map((m) => m.content);

/** A linear chat q1 a1 q2 a2; returns its id and messages. */
async function chat(store: Store) {
  const c = await store.createConversation();
  const add = (role: "user" | "assistant", content: string) =>
    store.addMessage({ conversationId: c.id, role, content });
  const ms = [await add("user", "q1"), await add("assistant", "a1")];
  ms.push(await add("user", "q2"), await add("assistant", "a2"));
  return { id: c.id, ms };
}

Deno.test("appended messages form a chain: each follows the one before, no versions", () =>
  withStore(async (store) => {
    const { id, ms } = await chat(store);
    assert.deepEqual(ms.map((m) => m.parentId), [null, ms[0].id, ms[1].id, ms[2].id]);
    assert.ok(ms.every((m) => m.versions === null));
    assert.deepEqual(contents(await store.listMessages(id)), ["q1", "a1", "q2", "a2"]);
  }));

Deno.test("a new version of a reply: the branch shown moves to it, the old one is kept", () =>
  withStore(async (store) => {
    const { id, ms } = await chat(store);
    const b = await store.addMessage({
      conversationId: id,
      role: "assistant",
      content: "a2 again",
      parentId: ms[2].id,
    });
    assert.deepEqual(b.versions, [ms[3].id, b.id]);
    assert.deepEqual(contents(await store.listMessages(id)), ["q1", "a1", "q2", "a2 again"]);
    assert.equal((await store.listAllMessages(id)).length, 5, "nothing was deleted");
    // The next message follows the version shown.
    const q3 = await store.addMessage({ conversationId: id, role: "user", content: "q3" });
    assert.equal(q3.parentId, b.id);
    const path = await store.listMessages(id);
    assert.deepEqual(contents(path), ["q1", "a1", "q2", "a2 again", "q3"]);
    assert.deepEqual(path[3].versions, [ms[3].id, b.id]);
  }));

Deno.test("selecting a version shows its branch and remembers what followed each", () =>
  withStore(async (store) => {
    const { id, ms } = await chat(store);
    // Edit the first question: a new version of q1, with its own reply.
    const q1b = await store.addMessage({
      conversationId: id,
      role: "user",
      content: "q1 edited",
      parentId: null,
    });
    await store.addMessage({ conversationId: id, role: "assistant", content: "a1 for edit" });
    assert.deepEqual(contents(await store.listMessages(id)), ["q1 edited", "a1 for edit"]);

    const shown = await store.selectMessage(ms[0].id);
    assert.equal(shown?.id, ms[0].id);
    assert.deepEqual(shown?.versions, [ms[0].id, q1b.id]);
    assert.deepEqual(
      contents(await store.listMessages(id)),
      ["q1", "a1", "q2", "a2"],
      "the old question comes back with everything that followed it",
    );

    // A version chosen deep in the old branch is remembered across switches.
    const a2b = await store.addMessage({
      conversationId: id,
      role: "assistant",
      content: "a2 v2",
      parentId: ms[2].id,
    });
    await store.selectMessage(q1b.id);
    assert.deepEqual(contents(await store.listMessages(id)), ["q1 edited", "a1 for edit"]);
    await store.selectMessage(ms[0].id);
    assert.deepEqual(contents(await store.listMessages(id)), ["q1", "a1", "q2", "a2 v2"]);
    // Selecting a message deep in a hidden branch shows that branch through it.
    await store.selectMessage(q1b.id);
    await store.selectMessage(ms[3].id);
    assert.deepEqual(contents(await store.listMessages(id)), ["q1", "a1", "q2", "a2"]);
    assert.equal(
      (await store.listMessages(id)).at(-1)?.versions?.join(),
      [ms[3].id, a2b.id].join(),
    );
    assert.equal(await store.selectMessage("nope"), null);
  }));

Deno.test("paging, the last seq and search follow the branch shown", () =>
  withStore(async (store) => {
    const { id, ms } = await chat(store);
    await store.addMessage({
      conversationId: id,
      role: "user",
      content: "zebra question",
      parentId: ms[1].id,
    });
    await store.addMessage({ conversationId: id, role: "assistant", content: "zebra answer" });
    const page = await store.listMessagesPage(id, { limit: 2 });
    assert.deepEqual(contents(page.messages), ["zebra question", "zebra answer"]);
    assert.equal(page.hasMore, true);
    const older = await store.listMessagesPage(id, { beforeSeq: page.messages[0].seq });
    assert.deepEqual(contents(older.messages), ["q1", "a1"]);
    assert.equal(older.hasMore, false);
    assert.equal(await store.lastMessageSeq(id, "user"), page.messages[0].seq);
    assert.equal((await store.search("zebra")).length, 2);

    await store.selectMessage(ms[2].id);
    assert.deepEqual(await store.search("zebra"), [], "a hidden version is not a hit");
    assert.equal((await store.search("q2")).length, 1);
  }));

Deno.test("a parent from elsewhere is refused and nothing is written", () =>
  withStore(async (store) => {
    const { id } = await chat(store);
    const other = await chat(store);
    await assert.rejects(
      () =>
        store.addMessage({
          conversationId: id,
          role: "user",
          content: "x",
          parentId: other.ms[0].id,
        }),
      /is not in conversation/,
    );
    await assert.rejects(
      () => store.addMessage({ conversationId: id, role: "user", content: "x", parentId: "nope" }),
      /is not in conversation/,
    );
    assert.equal((await store.listAllMessages(id)).length, 4);
  }));

Deno.test("deleting: a conversation takes every version; deleteMessagesFrom keeps a branch", () =>
  withStore(async (store) => {
    const { id, ms } = await chat(store);
    await store.addMessage({
      conversationId: id,
      role: "user",
      content: "q2b",
      parentId: ms[1].id,
    });
    assert.equal(await store.deleteMessagesFrom(id, ms[2].seq), 3);
    assert.deepEqual(contents(await store.listMessages(id)), ["q1", "a1"]);
    const next = await store.addMessage({ conversationId: id, role: "user", content: "q" });
    assert.equal(next.parentId, ms[1].id);
    assert.equal(next.versions, null);

    await store.addMessage({ conversationId: id, role: "user", content: "v", parentId: null });
    assert.equal(await store.deleteConversation(id), true);
    assert.deepEqual(await store.listAllMessages(id), []);
    assert.deepEqual(await store.search("v"), []);
  }));

Deno.test("migration 3 turns an old linear conversation into a chain, losing nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "rungpt.db");
    const old = new DatabaseSync(path);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 2));
    old.exec(`INSERT INTO conversations (id, title, created_at, updated_at)
              VALUES ('c', 'old', 0, 0), ('d', 'other', 0, 0)`);
    const insert = old.prepare(
      `INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at,
         updated_at) VALUES (?, ?, ?, ?, ?, 'complete', 0, 0)`,
    );
    ["hello", "hi there", "walrus facts", "walruses are big"].forEach((text, i) =>
      insert.run(`m${i}`, "c", i, i % 2 ? "assistant" : "user", text)
    );
    insert.run("d0", "d", 0, "user", "alone");
    old.close();

    const store = await openSqliteStore(path);
    try {
      const path = await store.listMessages("c");
      assert.deepEqual(path.map((m) => [m.id, m.parentId, m.seq, m.versions]), [
        ["m0", null, 0, null],
        ["m1", "m0", 1, null],
        ["m2", "m1", 2, null],
        ["m3", "m2", 3, null],
      ]);
      assert.deepEqual((await store.listMessages("d")).map((m) => m.parentId), [null]);
      assert.equal((await store.search("walrus")).length, 2, "the search index is whole");
      // And it branches like a new one.
      const again = await store.addMessage({
        conversationId: "c",
        role: "assistant",
        content: "walruses are heavy",
        parentId: "m2",
      });
      assert.deepEqual(again.versions, ["m3", again.id]);
      await store.selectMessage("m3");
      assert.deepEqual(contents(await store.listMessages("c")).at(-1), "walruses are big");
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
