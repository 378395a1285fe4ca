/**
 * Seeding rungpt's store for the benchmarks: conversations of many model-like messages,
 * written through the store interface (lib/store/sqlite.ts) before the server starts.
 * @module
 */
import { join } from "node:path";
import { openSqliteStore } from "../lib/store/sqlite.ts";
import type { Store } from "../lib/store/types.ts";

const WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike " +
  "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu")
  .split(" ");

/** Deterministic message text number `i`: a sentence, a list and some `code`. */
export function messageText(i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 5) % WORDS.length];
  return `Message ${i}: ${w(1)} ${w(2)} ${w(3)} and **${w(4)}**.\n\n- ${w(5)}\n- \`${
    w(6)
  }()\`\n\nSee ${w(7)} ${w(8)}.`;
}

/** Adds a conversation of `count` alternating user/assistant messages; returns ids. */
export async function seedConversation(
  store: Store,
  count: number,
  from = 0,
): Promise<{ conversationId: string; firstMessageId: string; lastMessageId: string }> {
  const conv = await store.createConversation({ title: `Seeded ${count}` });
  let first = "";
  let last = "";
  for (let i = 0; i < count; i++) {
    const m = await store.addMessage({
      conversationId: conv.id,
      role: i % 2 ? "assistant" : "user",
      content: messageText(from + i),
      status: "complete",
    });
    first ||= m.id;
    last = m.id;
  }
  return { conversationId: conv.id, firstMessageId: first, lastMessageId: last };
}

/**
 * Like {@linkcode seedConversation}, but every reply has a second version (a regenerated
 * answer, hidden behind the one shown): `count` messages shown, `count / 2` more stored.
 */
export async function seedVersionedConversation(
  store: Store,
  count: number,
): Promise<{ conversationId: string; lastMessageId: string }> {
  const conv = await store.createConversation({ title: `Seeded ${count} with versions` });
  const add = (i: number, role: "user" | "assistant", parentId?: string) =>
    store.addMessage({ conversationId: conv.id, role, content: messageText(i), parentId });
  let last = "";
  for (let i = 0; i < count; i++) {
    const m = i % 2 ? await add(i + count, "assistant") : await add(i, "user");
    // The reply just added becomes the hidden version; this one is shown.
    last = i % 2 ? (await add(i, "assistant", m.parentId!)).id : m.id;
  }
  return { conversationId: conv.id, lastMessageId: last };
}

/** Opens the store of data dir `dataDir` (as the server does), runs `fn`, closes it. */
export async function withStore<T>(dataDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(join(dataDir, "rungpt.db"));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
