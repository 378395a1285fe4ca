/**
 * What the chat page renders with: the sidebar's conversations, the open conversation
 * (if any) with the latest window of its messages, whether a reply is being generated, and
 * the public settings. Long conversations are paged: see {@linkcode loadMessageWindow}.
 * @module
 */
import type { PublicSettings } from "../store/settings.ts";
import type { Conversation, Message, MessagePage, Store } from "../store/types.ts";

/** Messages in the latest window, and in each older page, unless asked otherwise. */
export const PAGE_SIZE = 100;
/** The most messages one `limit` may ask for. */
export const MAX_PAGE_SIZE = 500;
/** Messages shown above a message opened by id (a search hit), for context. */
export const CONTEXT_BEFORE = 10;

/** Props of the ChatApp island. */
export interface ChatPageData {
  conversations: Conversation[];
  conversation: Conversation | null;
  /** The latest window of messages (see {@linkcode loadMessageWindow}). */
  messages: Message[];
  /** Whether older messages exist before `messages[0]`. */
  hasMore: boolean;
  running: boolean;
  settings: PublicSettings;
}

/** Which window of a conversation to load. */
export interface WindowRequest {
  /** An older page: the newest `limit` messages with `seq < before`. */
  before?: number;
  /** Messages per window; {@linkcode PAGE_SIZE} when omitted. */
  limit?: number;
  /**
   * The latest window, extended back through this message (and {@linkcode CONTEXT_BEFORE}
   * before it): opening a search hit. Ignored with `before`.
   */
  through?: string;
}

/** Thrown when `through` names a message that is not in the conversation. */
export class MessageNotFoundError extends Error {
  override name = "MessageNotFoundError";
  constructor(messageId: string, conversationId: string) {
    super(`No message with id ${messageId} in conversation ${conversationId}.`);
  }
}

/**
 * Loads one window of a conversation's messages, ordered by `seq`. Without `before` it is
 * the latest window: the newest `limit` messages, extended back so that it always holds the
 * last user message (regenerate and edit act on it) and the message still streaming, and,
 * with `through`, that message. The streaming message's text comes from `live` (memory),
 * which is newer than the store's.
 *
 * @throws {MessageNotFoundError} if `through` is not a message of this conversation.
 *
 * @example
 * ```ts
 * const latest = await loadMessageWindow(store, id, {}, undefined);
 * const older = await loadMessageWindow(store, id, { before: latest.messages[0].seq }, undefined);
 * ```
 */
export async function loadMessageWindow(
  store: Store,
  conversationId: string,
  req: WindowRequest,
  live: Message | undefined,
): Promise<MessagePage> {
  const limit = req.limit ?? PAGE_SIZE;
  const withLive = (page: MessagePage): MessagePage => ({
    hasMore: page.hasMore,
    messages: live ? page.messages.map((m) => m.id === live.id ? { ...live } : m) : page.messages,
  });
  if (req.before !== undefined) {
    return withLive(await store.listMessagesPage(conversationId, { beforeSeq: req.before, limit }));
  }
  let page = await store.listMessagesPage(conversationId, { limit });
  if (!page.hasMore && req.through === undefined) return withLive(page);
  const must: number[] = [];
  if (req.through !== undefined) {
    const target = await store.getMessage(req.through);
    if (!target || target.conversationId !== conversationId) {
      throw new MessageNotFoundError(req.through, conversationId);
    }
    must.push(Math.max(0, target.seq - CONTEXT_BEFORE));
  }
  const lastUser = await store.lastMessageSeq(conversationId, "user");
  if (lastUser !== null) must.push(lastUser);
  if (live && live.conversationId === conversationId) must.push(live.seq);
  const from = Math.min(...must);
  const first = page.messages[0]?.seq;
  if (first !== undefined && from < first) {
    page = await store.listMessagesPage(conversationId, { fromSeq: from });
  }
  return withLive(page);
}

/**
 * Loads the page data; `null` when `conversationId` names no conversation.
 * A running turn's message is taken from memory so the page shows the latest text; a turn
 * still starting (no message yet) counts as running, so the page follows it.
 */
export async function loadChatPage(
  store: Store,
  settings: PublicSettings,
  conversationId: string | null,
  snapshot: (conversationId: string) => Message | null | undefined,
): Promise<ChatPageData | null> {
  const conversations = await store.listConversations({ limit: 200 });
  if (!conversationId) {
    return {
      conversations,
      conversation: null,
      messages: [],
      hasMore: false,
      running: false,
      settings,
    };
  }
  const conversation = await store.getConversation(conversationId);
  if (!conversation) return null;
  const live = snapshot(conversationId);
  const { messages, hasMore } = await loadMessageWindow(
    store,
    conversationId,
    {},
    live ?? undefined,
  );
  return { conversations, conversation, messages, hasMore, running: live !== undefined, settings };
}
