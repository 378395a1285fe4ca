import assert from "node:assert/strict";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import type { NewAttachment } from "../../../lib/store/attachments.ts";
import { StoreError } from "../../../lib/store/errors.ts";

const file = (name: string, sha256 = "a".repeat(64)): NewAttachment => ({
  sha256,
  name,
  type: "text/plain",
  kind: "text",
  size: 3,
  text: "abc",
});

Deno.test("attachment records: order, copies when sent again, gone with their conversation", async () => {
  const s = await openSqliteStore(":memory:");
  try {
    const c = await s.createConversation();
    const m1 = await s.addMessage({ conversationId: c.id, role: "user", content: "one" });
    const m2 = await s.addMessage({ conversationId: c.id, role: "user", content: "two" });
    const a = await s.attachments.add(file("a.txt"));
    const b = await s.attachments.add(file("b.txt", "b".repeat(64)));
    assert.equal(a.messageId, null);

    // The order asked for, not the order uploaded.
    const sent = await s.attachments.attach(m1.id, [b.id, a.id]);
    assert.deepEqual(sent.map((x) => [x.id, x.messageId]), [[b.id, m1.id], [a.id, m1.id]]);
    const byMessage = await s.attachments.forMessages([m1.id, m2.id]);
    assert.deepEqual(byMessage.get(m1.id)!.map((x) => [x.name, x.text]), [
      ["b.txt", "abc"],
      ["a.txt", "abc"],
    ]);
    assert.equal(byMessage.has(m2.id), false);

    // Sent again (a restored draft): a copy for the new message, the first one untouched.
    const [copy] = await s.attachments.attach(m2.id, [a.id]);
    assert.notEqual(copy.id, a.id);
    assert.equal(copy.sha256, a.sha256);
    assert.equal((await s.attachments.get([a.id]))[0].messageId, m1.id);

    await assert.rejects(
      s.attachments.attach(m2.id, ["no-such-id"]),
      (e) => e instanceof StoreError && /no attachment with id no-such-id/.test(e.message),
    );

    assert.deepEqual([...await s.attachments.hashes()].sort(), ["a".repeat(64), "b".repeat(64)]);
    await s.deleteConversation(c.id);
    assert.deepEqual(await s.attachments.get([a.id, b.id, copy.id]), []);
    assert.equal((await s.attachments.hashes()).size, 0);
  } finally {
    await s.close();
  }
});

Deno.test("attachment records: unsent ones are dropped only once old", async () => {
  const s = await openSqliteStore(":memory:");
  try {
    const a = await s.attachments.add(file("draft.txt"));
    assert.equal(await s.attachments.dropUnsent(a.createdAt), 0);
    assert.equal(await s.attachments.dropUnsent(a.createdAt + 1), 1);
    assert.deepEqual(await s.attachments.get([a.id]), []);
  } finally {
    await s.close();
  }
});

Deno.test("attachment records: search finds a message by its file's name", async () => {
  const s = await openSqliteStore(":memory:");
  try {
    const c = await s.createConversation({ title: "Numbers" });
    const m = await s.addMessage({ conversationId: c.id, role: "user", content: "see file" });
    await s.attachments.add(file("budget-unsent.txt")); // never sent: no message to show
    const sent = await s.attachments.add(file("budget-2026.csv"));
    await s.attachments.attach(m.id, [sent.id]);
    const hits = await s.search("budget");
    assert.deepEqual(hits.map((h) => [h.messageId, h.snippet]), [
      [m.id, "\u0001budget\u0002-2026.csv"],
    ]);
  } finally {
    await s.close();
  }
});
