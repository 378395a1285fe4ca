import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import { StoreError } from "../../../lib/store/errors.ts";
import type { Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

Deno.test("conversations: create, get, update, delete", () =>
  withStore(async (store) => {
    const c = await store.createConversation({ title: "First", model: "gpt-4o" });
    assert.match(c.id, /^[0-9a-f-]{36}$/);
    assert.equal(c.title, "First");
    assert.equal(c.model, "gpt-4o");
    assert.equal(c.systemPrompt, "");
    assert.equal(c.createdAt, c.updatedAt);
    assert.deepEqual(await store.getConversation(c.id), c);

    const defaults = await store.createConversation();
    assert.equal(defaults.title, "");
    assert.equal(defaults.model, null);

    const u = await store.updateConversation(c.id, { systemPrompt: "Be brief.", model: null });
    assert.ok(u);
    assert.equal(u.title, "First", "fields not in the patch are kept");
    assert.equal(u.model, null);
    assert.equal(u.systemPrompt, "Be brief.");
    assert.ok(u.updatedAt > c.updatedAt);
    assert.deepEqual(await store.getConversation(c.id), u);

    assert.equal(await store.deleteConversation(c.id), true);
    assert.equal(await store.getConversation(c.id), null);
    assert.equal(await store.deleteConversation(c.id), false);
  }));

Deno.test("unknown ids give null/false, not errors", () =>
  withStore(async (store) => {
    assert.equal(await store.getConversation("nope"), null);
    assert.equal(await store.updateConversation("nope", { title: "x" }), null);
    assert.equal(await store.deleteConversation("nope"), false);
    assert.equal(await store.getMessage("nope"), null);
    assert.equal(await store.updateMessage("nope", { content: "x" }), null);
    assert.deepEqual(await store.listMessages("nope"), []);
    assert.equal(await store.deleteMessagesFrom("nope", 0), 0);
  }));

Deno.test("listConversations: newest first by updatedAt, with limit and offset", () =>
  withStore(async (store) => {
    const a = await store.createConversation({ title: "a" });
    const b = await store.createConversation({ title: "b" });
    const c = await store.createConversation({ title: "c" });
    const titles = async (opts?: { limit?: number; offset?: number }) =>
      (await store.listConversations(opts)).map((x) => x.title);
    assert.deepEqual(await titles(), ["c", "b", "a"]);

    // Adding a message moves a conversation to the top, even within the same millisecond.
    await store.addMessage({ conversationId: a.id, role: "user", content: "hi" });
    assert.deepEqual(await titles(), ["a", "c", "b"]);
    await store.updateConversation(b.id, { title: "b2" });
    assert.deepEqual(await titles(), ["b2", "a", "c"]);

    assert.deepEqual(await titles({ limit: 2 }), ["b2", "a"]);
    assert.deepEqual(await titles({ limit: 2, offset: 2 }), ["c"]);
    assert.deepEqual(await titles({ offset: 1 }), ["a", "c"]);
    await assert.rejects(() => store.listConversations({ limit: -1 }), StoreError);
    assert.ok(c);
  }));

Deno.test("addMessage assigns seq 0,1,2 per conversation and bumps updatedAt", () =>
  withStore(async (store) => {
    const c1 = await store.createConversation();
    const c2 = await store.createConversation();
    const m0 = await store.addMessage({ conversationId: c1.id, role: "system", content: "s" });
    const m1 = await store.addMessage({ conversationId: c1.id, role: "user", content: "u" });
    const other = await store.addMessage({ conversationId: c2.id, role: "user", content: "x" });
    const m2 = await store.addMessage({
      conversationId: c1.id,
      role: "assistant",
      content: "",
      status: "streaming",
      model: "gpt-4o",
      meta: { toolCalls: [{ id: "t1" }] },
    });
    assert.deepEqual([m0.seq, m1.seq, m2.seq, other.seq], [0, 1, 2, 0]);
    assert.equal(m0.status, "complete", "status defaults to complete");
    assert.equal(m2.status, "streaming");
    assert.equal(m2.model, "gpt-4o");
    assert.deepEqual(m2.meta, { toolCalls: [{ id: "t1" }] });
    assert.equal(m2.error, null);

    const list = await store.listMessages(c1.id);
    assert.deepEqual(list.map((m) => m.id), [m0.id, m1.id, m2.id]);
    assert.deepEqual(list[2], m2);
    assert.deepEqual(await store.getMessage(m1.id), m1);

    const conv = await store.getConversation(c1.id);
    assert.equal(conv?.updatedAt, m2.createdAt);
  }));

Deno.test("addMessage rejects an unknown conversation and invalid fields", () =>
  withStore(async (store) => {
    const err = await store.addMessage({ conversationId: "nope", role: "user", content: "x" })
      .then(() => null, (e) => e);
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, "not_found");
    assert.match(err.message, /nope/);

    const c = await store.createConversation();
    await assert.rejects(
      () => store.addMessage({ conversationId: c.id, role: "admin" as never, content: "x" }),
      /role must be one of/,
    );
    await assert.rejects(
      () => store.addMessage({ conversationId: c.id, role: "user", content: 5 as never }),
      /content must be a string/,
    );
    await assert.rejects(
      () =>
        store.addMessage({ conversationId: c.id, role: "user", content: "x", meta: [1] as never }),
      /meta must be a JSON object/,
    );
    assert.deepEqual(await store.listMessages(c.id), [], "nothing was written");
  }));

Deno.test("updateMessage patches only the given fields", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const m = await store.addMessage({
      conversationId: c.id,
      role: "assistant",
      content: "",
      status: "streaming",
      meta: { a: 1 },
    });
    const u1 = await store.updateMessage(m.id, { content: "Hello" });
    assert.equal(u1?.content, "Hello");
    assert.equal(u1?.status, "streaming");
    assert.deepEqual(u1?.meta, { a: 1 });
    assert.ok(u1!.updatedAt > m.updatedAt);

    const u2 = await store.updateMessage(m.id, {
      status: "error",
      error: "upstream said 500",
      meta: null,
    });
    assert.equal(u2?.content, "Hello");
    assert.equal(u2?.status, "error");
    assert.equal(u2?.error, "upstream said 500");
    assert.equal(u2?.meta, null);
    assert.deepEqual(await store.getMessage(m.id), u2);

    const u3 = await store.updateMessage(m.id, { error: null, status: "complete" });
    assert.equal(u3?.error, null);
    await assert.rejects(
      () => store.updateMessage(m.id, { status: "done" as never }),
      /status must be one of/,
    );
  }));

Deno.test("deleteConversation cascades to its messages", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const keep = await store.createConversation();
    const m = await store.addMessage({ conversationId: c.id, role: "user", content: "bye" });
    const k = await store.addMessage({ conversationId: keep.id, role: "user", content: "stay" });
    assert.equal(await store.deleteConversation(c.id), true);
    assert.equal(await store.getMessage(m.id), null);
    assert.deepEqual(await store.listMessages(c.id), []);
    assert.deepEqual(await store.getMessage(k.id), k);
  }));

Deno.test("deleteMessagesFrom removes seq >= n and the next message continues from there", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    for (const content of ["a", "b", "c", "d"]) {
      await store.addMessage({ conversationId: c.id, role: "user", content });
    }
    assert.equal(await store.deleteMessagesFrom(c.id, 2), 2);
    assert.deepEqual((await store.listMessages(c.id)).map((m) => m.content), ["a", "b"]);
    assert.equal(await store.deleteMessagesFrom(c.id, 5), 0);
    const next = await store.addMessage({ conversationId: c.id, role: "user", content: "e" });
    assert.equal(next.seq, 2);
    await assert.rejects(() => store.deleteMessagesFrom(c.id, 1.5), /fromSeq/);
  }));

Deno.test("recoverInterrupted marks streaming messages stopped and keeps their text", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const done = await store.addMessage({ conversationId: c.id, role: "user", content: "q" });
    const live = await store.addMessage({
      conversationId: c.id,
      role: "assistant",
      content: "",
      status: "streaming",
    });
    await store.updateMessage(live.id, { content: "partial ans" });
    assert.equal(await store.recoverInterrupted(), 1);
    const after = await store.getMessage(live.id);
    assert.equal(after?.status, "stopped");
    assert.equal(after?.content, "partial ans");
    assert.deepEqual(await store.getMessage(done.id), done);
    assert.equal(await store.recoverInterrupted(), 0);
  }));

Deno.test("recoverInterrupted rewrites the meta of recovered messages with finishMeta", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const add = (meta: Record<string, unknown> | null, status: "streaming" | "complete") =>
      store.addMessage({ conversationId: c.id, role: "assistant", content: "", status, meta });
    const live = await add({ step: 1 }, "streaming");
    const bare = await add(null, "streaming");
    const done = await add({ step: 1 }, "complete");
    const seen: unknown[] = [];
    const finish = (meta: Record<string, unknown>) => (seen.push(meta), { step: 2 });
    assert.equal(await store.recoverInterrupted(finish), 2);
    assert.deepEqual(seen, [{ step: 1 }], "only messages that have meta are rewritten");
    assert.deepEqual((await store.getMessage(live.id))?.meta, { step: 2 });
    assert.equal((await store.getMessage(bare.id))?.meta, null);
    assert.deepEqual((await store.getMessage(done.id))?.meta, { step: 1 });
  }));

Deno.test("data persists across re-open of a file database", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "rungpt.db");
    let store = await openSqliteStore(path);
    const c = await store.createConversation({ title: "kept" });
    const m = await store.addMessage({ conversationId: c.id, role: "user", content: "hi there" });
    const before = await store.getConversation(c.id);
    await store.close();
    await store.close(); // idempotent

    store = await openSqliteStore(path);
    try {
      assert.deepEqual(await store.getConversation(c.id), before);
      assert.deepEqual(await store.listMessages(c.id), [m]);
      assert.equal((await store.search("there")).length, 1);
    } finally {
      await store.close();
    }
    // The file is in WAL mode (a property of the file, so a plain connection sees it).
    const raw = new DatabaseSync(path);
    try {
      assert.deepEqual({ ...raw.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
    } finally {
      raw.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a closed store refuses calls with a clear error", async () => {
  const store = await openSqliteStore(":memory:");
  await store.close();
  await assert.rejects(() => store.listConversations(), /closed/);
});

Deno.test("2,000 messages insert and list in order", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    for (let i = 0; i < 2000; i++) {
      await store.addMessage({
        conversationId: c.id,
        role: i % 2 ? "assistant" : "user",
        content: `message number ${i}`,
      });
    }
    const list = await store.listMessages(c.id);
    assert.equal(list.length, 2000);
    list.forEach((m, i) => {
      assert.equal(m.seq, i);
      assert.equal(m.content, `message number ${i}`);
    });
    const hits = await store.search("number 1999");
    assert.equal(hits[0].messageId, list[1999].id);
  }));

Deno.test("opening a database in a missing directory names the path", async () => {
  await assert.rejects(
    () => openSqliteStore("/nonexistent-rungpt-dir/x/rungpt.db"),
    /cannot open database \/nonexistent-rungpt-dir\/x\/rungpt\.db/,
  );
});

Deno.test("pinned chats list first; pinning does not make a chat newer", () =>
  withStore(async (store) => {
    const old = await store.createConversation({ title: "old" });
    const mid = await store.createConversation({ title: "mid" });
    const fresh = await store.createConversation({ title: "fresh" });
    assert.equal(old.pinned, false);
    const pinned = await store.updateConversation(old.id, { pinned: true });
    assert.equal(pinned?.pinned, true);
    assert.equal(pinned?.updatedAt, old.updatedAt, "pinning files it, not touches it");
    const titles = async () => (await store.listConversations()).map((c) => c.title);
    assert.deepEqual(await titles(), ["old", "fresh", "mid"]);
    await store.updateConversation(old.id, { pinned: false });
    assert.deepEqual(await titles(), ["fresh", "mid", "old"], "back where it was");
    await store.updateConversation(mid.id, { title: "renamed" });
    assert.deepEqual(await titles(), ["renamed", "fresh", "old"], "a rename makes it newest");
    await assert.rejects(
      () => store.updateConversation(fresh.id, { pinned: "yes" as unknown as boolean }),
      (e: unknown) => e instanceof StoreError && /pinned must be true or false/.test(e.message),
    );
  }));

Deno.test("a generated title never replaces one the user set, and leaves updatedAt", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    assert.equal(c.titleByUser, false);
    const titled = await store.setGeneratedTitle(c.id, "Trip to Paris");
    assert.equal(titled?.title, "Trip to Paris");
    assert.equal(titled?.updatedAt, c.updatedAt);
    await store.updateConversation(c.id, { title: "Mine", titleByUser: true });
    const kept = await store.setGeneratedTitle(c.id, "Something else");
    assert.equal(kept?.title, "Mine");
    assert.equal(kept?.titleByUser, true);
    const given = await store.createConversation({ title: "Given at creation" });
    assert.equal(given.titleByUser, true);
    assert.equal((await store.setGeneratedTitle(given.id, "x"))?.title, "Given at creation");
    assert.equal(await store.setGeneratedTitle("nope", "x"), null);
  }));
