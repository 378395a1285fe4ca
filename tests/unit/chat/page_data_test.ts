import assert from "node:assert/strict";
import { openSqliteStore } from "../../../lib/store/sqlite.ts";
import {
  CONTEXT_BEFORE,
  loadChatPage,
  loadMessageWindow,
  MessageNotFoundError,
  PAGE_SIZE,
} from "../../../lib/chat/page_data.ts";
import type { PublicSettings } from "../../../lib/store/settings.ts";
import type { Message, Role, Store } from "../../../lib/store/types.ts";

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openSqliteStore(":memory:");
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** Adds messages with these roles; returns them. */
async function add(store: Store, conversationId: string, roles: Role[]): Promise<Message[]> {
  const out: Message[] = [];
  for (const role of roles) {
    out.push(await store.addMessage({ conversationId, role, content: `${role} ${out.length}` }));
  }
  return out;
}

const pairs = (n: number): Role[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? "assistant" : "user"));
const seqs = (ms: Message[]) => ms.map((m) => m.seq);

Deno.test("the latest window is the newest PAGE_SIZE messages; older pages follow", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    await add(store, c.id, pairs(250));
    const latest = await loadMessageWindow(store, c.id, {}, undefined);
    assert.equal(latest.messages.length, PAGE_SIZE);
    assert.equal(latest.messages[0].seq, 250 - PAGE_SIZE);
    assert.equal(latest.hasMore, true);
    const older = await loadMessageWindow(store, c.id, { before: 150, limit: 100 }, undefined);
    assert.deepEqual(seqs(older.messages), Array.from({ length: 100 }, (_, i) => 50 + i));
    const oldest = await loadMessageWindow(store, c.id, { before: 50 }, undefined);
    assert.equal(oldest.messages.length, 50);
    assert.equal(oldest.hasMore, false);
  }));

Deno.test("the latest window reaches back to the last user message", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    await add(store, c.id, pairs(10));
    // A long action loop after the last user message: more tool and assistant messages than
    // one window holds.
    const [lastUser] = await add(store, c.id, ["user"]);
    await add(
      store,
      c.id,
      Array.from({ length: 30 }, (_, i): Role => (i % 2 ? "tool" : "assistant")),
    );
    const w = await loadMessageWindow(store, c.id, { limit: 5 }, undefined);
    assert.equal(w.messages[0].id, lastUser.id);
    assert.equal(w.messages.at(-1)!.seq, 40);
    assert.equal(w.hasMore, true);
  }));

Deno.test("the streaming message comes from memory and is always in the window", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const ms = await add(store, c.id, pairs(6));
    const live: Message = { ...ms[5], content: "newer text from memory", status: "streaming" };
    const w = await loadMessageWindow(store, c.id, { limit: 3 }, live);
    assert.equal(w.messages.at(-1)!.content, "newer text from memory");
    // An older page holding it uses memory too.
    const page = await loadMessageWindow(store, c.id, { before: 6, limit: 1 }, live);
    assert.equal(page.messages[0].content, "newer text from memory");
  }));

Deno.test("through: the window reaches back to a message, with context above it", () =>
  withStore(async (store) => {
    const c = await store.createConversation();
    const ms = await add(store, c.id, pairs(300));
    const w = await loadMessageWindow(store, c.id, { through: ms[40].id }, undefined);
    assert.equal(w.messages[0].seq, 40 - CONTEXT_BEFORE);
    assert.equal(w.messages.at(-1)!.seq, 299);
    assert.equal(w.hasMore, true);
    // A message already in the latest window changes nothing.
    const near = await loadMessageWindow(store, c.id, { through: ms[290].id }, undefined);
    assert.equal(near.messages.length, PAGE_SIZE);
    // The very first message: everything, nothing more.
    const first = await loadMessageWindow(store, c.id, { through: ms[0].id }, undefined);
    assert.equal(first.messages.length, 300);
    assert.equal(first.hasMore, false);

    const other = await store.createConversation();
    const [foreign] = await add(store, other.id, ["user"]);
    for (const id of [foreign.id, "no-such-message"]) {
      await assert.rejects(
        loadMessageWindow(store, c.id, { through: id }, undefined),
        (e) => e instanceof MessageNotFoundError && e.message.includes(id),
      );
    }
    // Even when the whole conversation fits the window, an unknown id is an error.
    await assert.rejects(
      loadMessageWindow(store, other.id, { through: "no-such-message" }, undefined),
      MessageNotFoundError,
    );
  }));

Deno.test("loadChatPage: the window and hasMore; null for an unknown conversation", () =>
  withStore(async (store) => {
    const settings = { model: null } as unknown as PublicSettings;
    const c = await store.createConversation({ title: "long" });
    await add(store, c.id, pairs(120));
    const data = await loadChatPage(store, settings, c.id, () => undefined);
    assert.ok(data);
    assert.equal(data.messages.length, PAGE_SIZE);
    assert.equal(data.hasMore, true);
    assert.equal(data.running, false);
    assert.equal(data.conversations[0].id, c.id);
    assert.equal(await loadChatPage(store, settings, "nope", () => undefined), null);
    const home = await loadChatPage(store, settings, null, () => undefined);
    assert.deepEqual([home?.messages, home?.hasMore], [[], false]);
  }));
