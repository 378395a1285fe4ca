/**
 * Reply versions in the chat UI: the message buttons (regenerate, edit any question, switch
 * versions) and how each changes the loaded messages. A regenerated reply or an edited
 * question is a new version beside the old; switching shows another version and what
 * followed it. No DOM here, so it is unit-tested under Deno.
 * @module
 */
import * as apiClient from "./api.ts";
import type { Message } from "../store/types.ts";
import { type ChatState, dropFrom, findMessage, lastOfRole, toMessageState } from "./chat_state.ts";

/** Where a message stands among its versions, for the switcher ("2 / 3"). */
export interface VersionPlace {
  /** 1-based position, oldest first. */
  index: number;
  count: number;
  previous: string | null;
  next: string | null;
}

/**
 * The place of a message among its versions; `null` when it has no other.
 *
 * @example
 * ```ts
 * versionPlace("b", ["a", "b", "c"]); // { index: 2, count: 3, previous: "a", next: "c" }
 * ```
 */
export function versionPlace(id: string, versions: readonly string[] | null): VersionPlace | null {
  const at = versions?.indexOf(id) ?? -1;
  if (!versions || versions.length < 2 || at === -1) return null;
  return {
    index: at + 1,
    count: versions.length,
    previous: versions[at - 1] ?? null,
    next: versions[at + 1] ?? null,
  };
}

/**
 * Puts `tail` (a version and the branch that follows it, from the server) in place of the
 * message `replacedId` and everything after it. Older messages stay as loaded.
 */
export function replaceFrom(state: ChatState, replacedId: string, tail: Message[]): void {
  const list = state.messages.peek();
  const at = list.findIndex((m) => m.id === replacedId);
  const kept = at === -1 ? list : list.slice(0, at);
  const shown = tail.filter((m) => m.role === "user" || m.role === "assistant");
  state.messages.value = [...kept, ...shown.map(toMessageState)];
}

/** What the message buttons do. One stable object for the whole list. */
export interface MessageActions {
  /** Answers the last question again; the old reply stays as a version. */
  regenerate(): void;
  /** Sends a new version of question `messageId`. Resolves to whether it was accepted. */
  edit(messageId: string, content: string): Promise<boolean>;
  /** Shows version `versionId` in place of message `shownId`. */
  showVersion(shownId: string, versionId: string): void;
}

/** What {@linkcode createMessageActions} needs from the chat page. */
export interface MessageActionDeps {
  chat: ChatState;
  /** Called before any request: clears the last notice, lands pending field changes. */
  prepare(): Promise<void>;
  /** Follows a turn the server started. */
  startTurn(conversationId: string, started: apiClient.TurnStarted): void;
  /** Shows an error. */
  fail(error: unknown): void;
}

/** While a reply runs the branch cannot change under it. */
const BUSY = "Wait for the reply to finish (or stop it) before changing versions.";

/**
 * The message buttons' actions for a chat page.
 *
 * @example
 * ```ts
 * const actions = createMessageActions({ chat, prepare, startTurn, fail });
 * actions.showVersion(shown.id, place.previous!);
 * ```
 */
export function createMessageActions(deps: MessageActionDeps): MessageActions {
  const { chat } = deps;
  /** The open conversation's id when nothing runs; otherwise reports why not. */
  const idle = (): string | null => {
    const conv = chat.conversation.peek();
    if (!conv) return null;
    if (chat.running.peek()) {
      deps.fail(new Error(BUSY));
      return null;
    }
    return conv.id;
  };
  return {
    async regenerate() {
      const id = idle();
      if (!id) return;
      await deps.prepare();
      try {
        const r = await apiClient.regenerate(id);
        const lastUser = lastOfRole(chat.messages.peek(), "user");
        dropFrom(chat, lastUser ? lastUser.seq + 1 : 0);
        deps.startTurn(id, r);
      } catch (e) {
        deps.fail(e);
      }
    },
    async edit(messageId, content) {
      const id = idle();
      if (!id) return false;
      await deps.prepare();
      try {
        const r = await apiClient.editMessage(id, messageId, content);
        const old = findMessage(chat, messageId);
        if (old) dropFrom(chat, old.seq);
        deps.startTurn(id, r);
        return true;
      } catch (e) {
        deps.fail(e);
        return false;
      }
    },
    async showVersion(shownId, versionId) {
      const id = idle();
      if (!id) return;
      await deps.prepare();
      try {
        const tail = await apiClient.showVersion(id, versionId);
        if (chat.conversation.peek()?.id === id) replaceFrom(chat, shownId, tail);
      } catch (e) {
        deps.fail(e);
      }
    },
  };
}
