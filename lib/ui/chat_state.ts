/**
 * The chat's client-side state, as signals. Each message holds its own signals, so a
 * streaming delta re-renders only the message that grows, never the whole list.
 * Plain functions over plain data; no DOM, so it is unit-tested under Deno.
 * @module
 */
import { type Signal, signal } from "@preact/signals";
import type { Conversation, Message, MessageStatus, Role } from "../store/types.ts";
import type { TurnEvent } from "../chat/events.ts";
import type { ActionCall } from "../tools/call.ts";
import { callsFromMeta, upsertCall } from "./actions.ts";
import type { Attachment } from "../store/attachments.ts";
import { attachmentsFromMeta } from "../chat/attachment_meta.ts";

/** One message as the UI holds it: fixed identity plus signals for what changes. */
export interface MessageState {
  readonly id: string;
  readonly seq: number;
  readonly role: Role;
  readonly createdAt: number;
  content: Signal<string>;
  status: Signal<MessageStatus>;
  error: Signal<string | null>;
  /** Why it failed, for UI hints ("auth", "no_key", "rate_limit", ...). */
  errorKind: Signal<string | null>;
  model: Signal<string | null>;
  /** The action calls of an assistant message, drawn as cards inside it. */
  actions: Signal<ActionCall[]>;
  /** Ids of every version of this message, oldest first; `null` when it has no other. */
  readonly versions: readonly string[] | null;
  /** The files a user message carries (fixed once sent). */
  readonly attachments: Attachment[];
}

/**
 * The open conversation: header, a window of its messages (the newest, plus any older pages
 * loaded on scroll) and whether a turn runs.
 */
export interface ChatState {
  conversation: Signal<Conversation | null>;
  messages: Signal<MessageState[]>;
  running: Signal<boolean>;
  /** Whether older messages exist on the server before the loaded ones. */
  hasMore: Signal<boolean>;
  /** Lowest `seq` loaded (hidden roles included): where the next older page ends. */
  oldestSeq: Signal<number | null>;
  /** An older page is being fetched. */
  loadingOlder: Signal<boolean>;
}

/** Wraps a stored message in signals. */
export function toMessageState(m: Message): MessageState {
  const kind = m.meta && typeof m.meta.errorKind === "string" ? m.meta.errorKind : null;
  return {
    id: m.id,
    seq: m.seq,
    role: m.role,
    createdAt: m.createdAt,
    content: signal(m.content),
    status: signal(m.status),
    error: signal(m.error),
    errorKind: signal(kind),
    model: signal(m.model),
    actions: signal(callsFromMeta(m.meta)),
    versions: m.versions ?? null,
    attachments: attachmentsFromMeta(m.meta),
  };
}

/**
 * A chat state for a conversation and its messages. Only user and assistant messages are
 * shown; system and tool messages stay on the server's side of the story.
 */
export function createChatState(
  conversation: Conversation | null,
  messages: Message[],
  running: boolean,
  hasMore = false,
): ChatState {
  return {
    conversation: signal(conversation),
    messages: signal(messages.filter(visible).map(toMessageState)),
    running: signal(running),
    hasMore: signal(hasMore),
    oldestSeq: signal(messages[0]?.seq ?? null),
    loadingOlder: signal(false),
  };
}

/** Replaces the conversation and its messages at once (switching conversations). */
export function resetChat(
  state: ChatState,
  conversation: Conversation | null,
  messages: Message[],
  running: boolean,
  hasMore = false,
): void {
  state.conversation.value = conversation;
  state.messages.value = messages.filter(visible).map(toMessageState);
  state.running.value = running;
  state.hasMore.value = hasMore;
  state.oldestSeq.value = messages[0]?.seq ?? null;
  state.loadingOlder.value = false;
}

/**
 * Puts an older page (ordered by `seq`) before the loaded messages. Messages at or after the
 * oldest loaded `seq` are skipped, so a page that overlaps (or a window reaching down to the
 * newest) adds only what is missing.
 *
 * @example
 * ```ts
 * const page = await getConversation(id, { before: state.oldestSeq.peek()! });
 * prependMessages(state, page.messages, page.hasMore);
 * ```
 */
export function prependMessages(state: ChatState, older: Message[], hasMore: boolean): void {
  const oldest = state.oldestSeq.peek();
  const fresh = oldest === null ? older : older.filter((m) => m.seq < oldest);
  if (fresh.length > 0) {
    state.messages.value = [
      ...fresh.filter(visible).map(toMessageState),
      ...state.messages.peek(),
    ];
    state.oldestSeq.value = fresh[0].seq;
  }
  state.hasMore.value = hasMore;
}

/**
 * Brings the loaded window up to date with the server's latest window (after missing a
 * turn's events). Messages are updated in place; if the latest window does not reach back to
 * what is loaded (messages in between were never seen), the window is replaced.
 */
export function mergeLatest(state: ChatState, latest: Message[], hasMore: boolean): void {
  const list = state.messages.peek();
  const newest = list.at(-1)?.seq ?? state.oldestSeq.peek();
  const first = latest[0]?.seq;
  if (hasMore && first !== undefined && newest !== null && first > newest + 1) {
    state.messages.value = latest.filter(visible).map(toMessageState);
    state.oldestSeq.value = first;
    state.hasMore.value = true;
    return;
  }
  for (const m of latest) upsertMessage(state, m);
  if (state.oldestSeq.peek() === null && first !== undefined) {
    state.oldestSeq.value = first;
    state.hasMore.value = hasMore;
  }
}

function visible(m: Message): boolean {
  return m.role === "user" || m.role === "assistant";
}

/** The message with this id, searching from the end (where streaming happens). */
export function findMessage(state: ChatState, id: string): MessageState | undefined {
  const list = state.messages.value;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].id === id) return list[i];
  return undefined;
}

/**
 * Inserts a message, or updates the one with the same id in place (keeping its signals, so
 * only that message re-renders). New messages keep `seq` order.
 */
export function upsertMessage(state: ChatState, m: Message): void {
  if (!visible(m)) return;
  const existing = findMessage(state, m.id);
  if (existing) {
    existing.content.value = m.content;
    existing.status.value = m.status;
    existing.error.value = m.error;
    existing.model.value = m.model;
    if (m.meta && typeof m.meta.errorKind === "string") existing.errorKind.value = m.meta.errorKind;
    // A message without meta says nothing about its calls; one with meta has them all.
    if (m.meta) {
      const calls = callsFromMeta(m.meta);
      if (JSON.stringify(calls) !== JSON.stringify(existing.actions.peek())) {
        existing.actions.value = calls;
      }
    }
    return;
  }
  const list = state.messages.value.slice();
  let at = list.length;
  while (at > 0 && list[at - 1].seq > m.seq) at--;
  list.splice(at, 0, toMessageState(m));
  state.messages.value = list;
}

/** Removes every message with `seq >= fromSeq` (before a regenerate or an edit). */
export function dropFrom(state: ChatState, fromSeq: number): void {
  const list = state.messages.value;
  const kept = list.filter((m) => m.seq < fromSeq);
  if (kept.length !== list.length) state.messages.value = kept;
}

/** A run of consecutive messages drawn (and skipped while off screen) as one block. */
export interface MessageBlock {
  /** `floor(seq / size)`: stable while older pages arrive and new messages are added. */
  key: number;
  messages: MessageState[];
}

/**
 * Groups messages (in `seq` order) into blocks of `size` consecutive sequence numbers, so the
 * browser tracks a 2,000-message list as 80 blocks, not 2,000 boxes.
 *
 * @example
 * ```ts
 * messageBlocks(list, 25).map((b) => b.messages.length); // e.g. [25, 25, 3]
 * ```
 */
export function messageBlocks(list: readonly MessageState[], size: number): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  for (const m of list) {
    const key = Math.floor(m.seq / size);
    const last = blocks.at(-1);
    if (last?.key === key) last.messages.push(m);
    else blocks.push({ key, messages: [m] });
  }
  return blocks;
}

/** The last message with this role, if any. */
export function lastOfRole(list: MessageState[], role: Role): MessageState | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i].role === role) return list[i];
  return undefined;
}

/**
 * Applies one event of a running turn. Returns `true` when the turn is over (`end` or
 * `idle`) so the caller can close its subscription.
 *
 * @example
 * ```ts
 * applyTurnEvent(state, { type: "delta", messageId: "m2", text: "Hel" });
 * ```
 */
export function applyTurnEvent(state: ChatState, ev: TurnEvent): boolean {
  switch (ev.type) {
    case "snapshot":
      upsertMessage(state, ev.message);
      state.running.value = ev.message.status === "streaming";
      return false;
    case "message":
      upsertMessage(state, ev.message);
      return false;
    case "delta": {
      const m = findMessage(state, ev.messageId);
      if (m) m.content.value += ev.text;
      return false;
    }
    case "end": {
      state.running.value = false;
      const last = lastOfRole(state.messages.value, "assistant");
      if (last) {
        if (last.status.value === "streaming") last.status.value = ev.status;
        if (ev.status === "error") {
          last.status.value = "error";
          if (ev.error) last.error.value = ev.error;
          if (ev.errorKind) last.errorKind.value = ev.errorKind;
        }
      }
      return true;
    }
    case "idle":
      state.running.value = false;
      return true;
    case "action": {
      // Only this message's calls change, so only its cards re-render.
      const m = findMessage(state, ev.messageId);
      if (m) m.actions.value = upsertCall(m.actions.peek(), ev.call);
      return false;
    }
  }
}
