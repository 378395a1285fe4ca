/**
 * The persistence boundary. Every backend (SQLite today, PostgreSQL later) implements
 * {@linkcode Store}; nothing above `lib/store` knows which one it talks to.
 * @module
 */
import type { AttachmentRecords } from "./attachments.ts";

/** Who wrote a message. `tool` carries an action result back to the model. */
export type Role = "system" | "user" | "assistant" | "tool";

/**
 * Where a message is in its life. `streaming` is only ever seen on the assistant message
 * of a turn that is running (or was running when the process died: see
 * {@linkcode Store.recoverInterrupted}).
 */
export type MessageStatus = "complete" | "streaming" | "stopped" | "error";

/** A conversation's header; its messages are loaded separately. */
export interface Conversation {
  id: string;
  title: string;
  /** Model chosen for this conversation; `null` means the configured default. */
  model: string | null;
  /** Per-conversation system prompt; empty means none. */
  systemPrompt: string;
  /** Pinned chats list first. */
  pinned: boolean;
  /** The user set the title (renamed the chat): a generated title never replaces it. */
  titleByUser: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * One message. Messages form a tree: each follows its `parentId`, and messages with the same
 * parent are versions of one another (a regenerated reply, an edited question). `seq` grows
 * with every message of a conversation, so it orders any branch (0, 1, 2, ... with no versions).
 */
export interface Message {
  id: string;
  conversationId: string;
  /** The message this one follows; `null` for the first of a branch. */
  parentId: string | null;
  seq: number;
  role: Role;
  content: string;
  status: MessageStatus;
  /** Human-readable error for `status: "error"` (and sometimes `stopped`). */
  error: string | null;
  /** Model that produced an assistant message. */
  model: string | null;
  /** Free-form JSON for later features (action calls, tool_call ids, token counts). */
  meta: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  /** Ids of every version of this message (itself included), oldest first; `null` if one. */
  versions: string[] | null;
}

/** One full-text search result. */
export interface SearchHit {
  conversationId: string;
  conversationTitle: string;
  messageId: string;
  role: Role;
  /** Excerpt with matches wrapped in `\u0001` ... `\u0002` (the UI turns these into <mark>). */
  snippet: string;
  createdAt: number;
}

/**
 * Which messages {@linkcode Store.listMessagesPage} returns: those with
 * `fromSeq <= seq < beforeSeq`, the newest `limit` of them.
 */
export interface MessagePageOptions {
  /** Only messages before this `seq`; omitted: up to the newest. */
  beforeSeq?: number;
  /** Only messages at or after this `seq`; omitted: from the first. */
  fromSeq?: number;
  /** At most this many, the newest of the range; omitted: the whole range. */
  limit?: number;
}

/** A window of a conversation's messages, ordered by `seq`. */
export interface MessagePage {
  messages: Message[];
  /** Whether older messages exist before the first one returned. */
  hasMore: boolean;
}

/** Input for {@linkcode Store.createConversation}. */
export interface NewConversation {
  title?: string;
  model?: string | null;
  systemPrompt?: string;
}

/** Input for {@linkcode Store.addMessage}. */
export interface NewMessage {
  conversationId: string;
  role: Role;
  content: string;
  status?: MessageStatus;
  model?: string | null;
  meta?: Record<string, unknown> | null;
  /**
   * The message it follows, in the same conversation; `null` starts a new first message.
   * Omitted: the end of the branch shown. Naming any other makes a new version of that
   * message's next message, and the branch shown moves to it.
   */
  parentId?: string | null;
}

/** Fields of a message that may change after it is written. */
export interface MessagePatch {
  content?: string;
  status?: MessageStatus;
  error?: string | null;
  meta?: Record<string, unknown> | null;
}

/** Fields of a conversation the user may change. */
export interface ConversationPatch {
  title?: string;
  /** Marks (or unmarks) `title` as the user's own; default: left as it is. */
  titleByUser?: boolean;
  model?: string | null;
  systemPrompt?: string;
  pinned?: boolean;
}

/**
 * The store. Methods are async so that a networked backend fits the same shape.
 * Unknown ids return `null`/`false` rather than throwing.
 */
export interface Store {
  createConversation(input?: NewConversation): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation | null>;
  /** Pinned first, then newest first (by `updatedAt`). */
  listConversations(opts?: { limit?: number; offset?: number }): Promise<Conversation[]>;
  updateConversation(id: string, patch: ConversationPatch): Promise<Conversation | null>;
  deleteConversation(id: string): Promise<boolean>;
  /**
   * Sets a generated title unless the user set one (`titleByUser`); leaves `updatedAt` as it is.
   * Returns the conversation as it is afterwards, or `null` when there is none.
   */
  setGeneratedTitle(id: string, title: string): Promise<Conversation | null>;

  /** The branch of the conversation shown (root to leaf), ordered by `seq`. */
  listMessages(conversationId: string): Promise<Message[]>;
  /** Every message of a conversation, every version of every branch, ordered by `seq`. */
  listAllMessages(conversationId: string): Promise<Message[]>;
  /**
   * Shows the branch through message `id`: it and its ancestors become the chosen versions,
   * and below it the versions chosen there before. `null` for an unknown id.
   */
  selectMessage(id: string): Promise<Message | null>;
  /**
   * A window of the branch shown, ordered by `seq` (for paging a long conversation from its end).
   * An unknown conversation gives `{ messages: [], hasMore: false }`.
   */
  listMessagesPage(conversationId: string, opts?: MessagePageOptions): Promise<MessagePage>;
  /**
   * The `seq` of the newest message of the branch shown (of `role`, when given), or `null`
   * when there is none.
   */
  lastMessageSeq(conversationId: string, role?: Role): Promise<number | null>;
  getMessage(id: string): Promise<Message | null>;
  /** Appends at the next `seq` and bumps the conversation's `updatedAt`. */
  addMessage(input: NewMessage): Promise<Message>;
  updateMessage(id: string, patch: MessagePatch): Promise<Message | null>;
  /** Deletes the messages with `seq >= fromSeq`, of every branch; returns how many went. */
  deleteMessagesFrom(conversationId: string, fromSeq: number): Promise<number>;

  /** Files attached to messages (their records; the bytes are on disk). */
  readonly attachments: AttachmentRecords;

  /** Full-text search over all messages (and titles, and attachment names), best match first. */
  search(query: string, opts?: { limit?: number }): Promise<SearchHit[]>;

  /**
   * Marks messages left `streaming` by a process that died as `stopped`, keeping their
   * text. `finishMeta`, when given, rewrites each such message's `meta` (the chat layer ends
   * the action calls left unfinished). Called once at start-up; returns how many were
   * recovered.
   */
  recoverInterrupted(
    finishMeta?: (meta: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<number>;

  close(): Promise<void>;
}
