/**
 * What the chat page renders with: the sidebar's conversations, the open conversation
 * (if any) with its messages, whether a reply is being generated, and the public settings.
 * @module
 */
import type { PublicSettings } from "../store/settings.ts";
import type { Conversation, Message, Store } from "../store/types.ts";

/** Props of the ChatApp island. */
export interface ChatPageData {
  conversations: Conversation[];
  conversation: Conversation | null;
  messages: Message[];
  running: boolean;
  settings: PublicSettings;
}

/**
 * Loads the page data; `null` when `conversationId` names no conversation.
 * A running turn's message is taken from memory so the page shows the latest text.
 */
export async function loadChatPage(
  store: Store,
  settings: PublicSettings,
  conversationId: string | null,
  liveMessage: (conversationId: string) => Message | undefined,
): Promise<ChatPageData | null> {
  const conversations = await store.listConversations({ limit: 200 });
  if (!conversationId) {
    return { conversations, conversation: null, messages: [], running: false, settings };
  }
  const conversation = await store.getConversation(conversationId);
  if (!conversation) return null;
  const live = liveMessage(conversationId);
  const messages = (await store.listMessages(conversationId)).map((m) =>
    live && m.id === live.id ? { ...live } : m
  );
  return { conversations, conversation, messages, running: live !== undefined, settings };
}
