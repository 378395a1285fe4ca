/**
 * Switching between versions of a message (a regenerated reply, an edited question).
 * @module
 */
import type { Message, Store } from "../store/types.ts";

/**
 * Shows version `messageId` of its message: the conversation continues from it from now on.
 * Returns the branch shown from that message to its end (what replaces the old version and
 * what followed it), or `null` when no such message is in the conversation.
 *
 * @example
 * ```ts
 * const tail = await showVersion(store, conversation.id, older.id); // [older, ...]
 * ```
 */
export async function showVersion(
  store: Store,
  conversationId: string,
  messageId: string,
): Promise<Message[] | null> {
  const target = await store.getMessage(messageId);
  if (!target || target.conversationId !== conversationId) return null;
  const shown = await store.selectMessage(messageId);
  if (!shown) return null;
  // Along a branch `seq` only grows, so the part from the version on is one range.
  const { messages } = await store.listMessagesPage(conversationId, { fromSeq: shown.seq });
  return messages;
}
