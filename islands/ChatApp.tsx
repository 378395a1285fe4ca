/**
 * The chat page: sidebar, conversation header, messages and composer. Rendered on the
 * server, hydrated in the browser. Runs the flow of docs/ui-api.md: create the
 * conversation if new, post the message, move the URL to `/c/:id`, follow the turn's events.
 * @module
 */
import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import * as apiClient from "../lib/ui/api.ts";
import type { ConversationFields, ModelList } from "../lib/ui/api.ts";
import {
  applyTurnEvent,
  type ChatState,
  createChatState,
  lastOfRole,
  mergeLatest,
  prependMessages,
  resetChat,
  upsertMessage,
} from "../lib/ui/chat_state.ts";
import { subscribeTurn } from "../lib/ui/events.ts";
import { displayTitle } from "../lib/ui/format.ts";
import { Sidebar } from "../components/chat/Sidebar.tsx";
import { ChatHeader } from "../components/chat/ChatHeader.tsx";
import { MessageList } from "../components/chat/MessageList.tsx";
import { Composer, type RestoredDraft } from "../components/chat/Composer.tsx";
import { createMessageActions, type MessageActions } from "../lib/ui/versions.ts";
import type { Attachment } from "../lib/store/attachments.ts";
import { EmptyState } from "../components/chat/EmptyState.tsx";
import { ApprovalDialog } from "../components/chat/ApprovalDialog.tsx";
import { ActionsPanel } from "../components/chat/ActionsPanel.tsx";
import { approvalKey, nextApproval } from "../lib/ui/actions.ts";
import type { ApprovalDecision } from "../lib/tools/call.ts";
import type { ChatPageData } from "../lib/chat/page_data.ts";

/** Props of the ChatApp island (all JSON): what the chat page loads. */
export type ChatAppProps = ChatPageData;

/** The whole chat UI. */
export default function ChatApp(props: ChatAppProps) {
  const chat: ChatState = useMemo(
    () => createChatState(props.conversation, props.messages, props.running, props.hasMore),
    [],
  );
  const conversations = useSignal(props.conversations);
  const models = useSignal<ModelList | null>(null);
  const draft = useSignal<{ model: string | null; systemPrompt: string }>({
    model: null,
    systemPrompt: "",
  });
  /** The system prompt in the header's editor, while it is open (see ChatHeader). */
  const promptEdit = useSignal<string | null>(null);
  /** The last change of the conversation's fields sent to the server; a turn waits for it. */
  const patching = useRef<Promise<void>>(Promise.resolve());
  const drawerOpen = useSignal(false);
  const notice = useSignal<string | null>(null);
  /** Nothing to talk to (no key, no base URL): Send waits for Settings. */
  const noProvider = useSignal(!props.settings.apiKeySet && !props.settings.baseURL);
  const reconnecting = useSignal(false);
  const focusMessage = useSignal<string | null>(null);
  const focusTerms = useSignal<readonly string[]>([]);
  const focusComposer = useSignal(0);
  const restoreDraft = useSignal<RestoredDraft | null>(null);
  const closeStream = useRef<(() => void) | null>(null);
  const actionsOpen = useSignal(false);
  /** Closes the Actions panel, focus back on its button when it was inside. */
  const closeActions = () => {
    const panel = document.getElementById("actions-panel");
    const inside = panel?.contains(document.activeElement) ?? false;
    actionsOpen.value = false;
    if (inside) document.querySelector<HTMLElement>("[aria-controls=actions-panel]")?.focus();
  };
  /** Calls answered here whose update has not arrived yet: their dialog stays closed. */
  const answered = useSignal<ReadonlySet<string>>(new Set());
  const answering = useSignal(false);
  // Only the running turn (the last reply, still streaming) can wait for approval.
  const approval = useComputed(() => {
    const last = lastOfRole(chat.messages.value, "assistant");
    const call = last
      ? nextApproval(
        { id: last.id, status: last.status.value, calls: last.actions.value },
        answered.value,
      )
      : null;
    return call && last ? { messageId: last.id, call } : null;
  });
  const status = useComputed(() => {
    if (chat.running.value) return "Generating a reply…";
    const last = lastOfRole(chat.messages.value, "assistant");
    if (!last) return "";
    if (last.status.value === "error") {
      return `Error: ${last.error.value ?? "the model could not answer"}`;
    }
    if (last.status.value === "stopped") return "Stopped.";
    return "Reply complete.";
  });

  const fail = (e: unknown) => {
    notice.value = e instanceof Error ? e.message : String(e);
  };

  const refreshList = async () => {
    try {
      const list = await apiClient.listConversations();
      conversations.value = list;
      const current = chat.conversation.peek();
      const fresh = current && list.find((c) => c.id === current.id);
      if (fresh) chat.conversation.value = fresh;
    } catch {
      // The list is refreshed again after the next turn.
    }
  };

  /** Resynchronises messages from the server (after a turn ended while we were not looking). */
  const resync = async (id: string) => {
    try {
      const r = await apiClient.getConversation(id);
      if (chat.conversation.peek()?.id !== id) return;
      mergeLatest(chat, r.messages, r.hasMore);
      chat.running.value = r.running;
      if (r.running) follow(id);
    } catch (e) {
      fail(e);
    }
  };

  const follow = (id: string) => {
    closeStream.current?.();
    closeStream.current = subscribeTurn(id, {
      onEvent(ev) {
        reconnecting.value = false;
        if (chat.conversation.peek()?.id !== id) return;
        const over = applyTurnEvent(chat, ev);
        if (over) {
          closeStream.current = null;
          // `idle`: the turn ended while we were not attached (before the first connection,
          // or while the browser reconnected after a drop): fetch its final state.
          if (ev.type === "idle") void resync(id).then(restoreIfImagesRefused).then(refreshList);
          else {
            restoreIfImagesRefused();
            void refreshList();
          }
        }
      },
      onConnectionError() {
        // The browser reconnects with a new stream; an `idle` there fetches the final state.
        reconnecting.value = true;
      },
    });
  };

  /**
   * When the model refused the images, puts the last message and its files back in the
   * composer, to send again to another model or without them.
   */
  const restoreIfImagesRefused = () => {
    const messages = chat.messages.peek();
    if (lastOfRole(messages, "assistant")?.errorKind.peek() !== "images_unsupported") return;
    const last = lastOfRole(messages, "user");
    if (last) restoreDraft.value = { text: last.content.peek(), attachments: last.attachments };
  };

  const setUrl = (path: string, push: boolean) => {
    if (location.pathname === path) return;
    if (push) history.pushState(null, "", path);
    else history.replaceState(null, "", path);
  };

  /**
   * Loads older messages: the page before the oldest loaded one, or with `through`, every
   * message back to that one (opening a search hit or a `#m-` link). Returns whether it ran.
   */
  const loadOlder = async (through?: string): Promise<boolean> => {
    const conv = chat.conversation.peek();
    const before = chat.oldestSeq.peek();
    if (!conv || chat.loadingOlder.peek() || !chat.hasMore.peek() || before === null) {
      return false;
    }
    chat.loadingOlder.value = true;
    try {
      const r = await apiClient.getConversation(conv.id, through ? { through } : { before });
      if (chat.conversation.peek()?.id === conv.id) prependMessages(chat, r.messages, r.hasMore);
    } catch (e) {
      fail(e);
    } finally {
      chat.loadingOlder.value = false;
    }
    return true;
  };

  /** Opens a conversation window that reaches back to `messageId`, if given. */
  const fetchWindow = async (id: string, messageId?: string) => {
    if (!messageId) return await apiClient.getConversation(id);
    try {
      return await apiClient.getConversation(id, { through: messageId });
    } catch (e) {
      // The message is gone (deleted or regenerated since the search): open the latest.
      if (e instanceof apiClient.ApiError && e.status === 404) {
        return await apiClient.getConversation(id);
      }
      throw e;
    }
  };

  const openConversation = async (
    id: string,
    messageId?: string,
    push = true,
    terms: readonly string[] = [],
  ) => {
    drawerOpen.value = false;
    try {
      const r = await fetchWindow(id, messageId);
      closeStream.current?.();
      closeStream.current = null;
      notice.value = null;
      promptEdit.value = null;
      focusTerms.value = terms;
      focusMessage.value = messageId ?? null;
      resetChat(chat, r.conversation, r.messages, r.running, r.hasMore);
      setUrl(`/c/${encodeURIComponent(id)}`, push);
      if (r.running) follow(id);
    } catch (e) {
      fail(e);
    }
  };

  const newChat = (push = true) => {
    closeStream.current?.();
    closeStream.current = null;
    drawerOpen.value = false;
    notice.value = null;
    promptEdit.value = null;
    draft.value = { model: null, systemPrompt: "" };
    resetChat(chat, null, [], false);
    setUrl("/", push);
    focusComposer.value++;
  };

  const startTurn = (id: string, r: apiClient.TurnStarted) => {
    if (r.userMessage) upsertMessage(chat, r.userMessage);
    upsertMessage(chat, r.assistantMessage);
    chat.running.value = true;
    follow(id);
  };

  /**
   * Before a turn: a system prompt left open in the editor counts as saved (what the header
   * shows is what the model gets), and the field changes sent so far have landed.
   */
  const settleFields = async () => {
    closePromptEditor();
    await patching.current;
  };

  /** Closes the system prompt editor keeping what it shows, as Send does. */
  const closePromptEditor = () => {
    const pending = promptEdit.peek();
    if (pending === null) return;
    promptEdit.value = null;
    const conv = chat.conversation.peek();
    if (!conv) draft.value = { ...draft.peek(), systemPrompt: pending };
    else if (pending !== conv.systemPrompt) void patch({ systemPrompt: pending });
  };

  /** Panels take turns under the header: opening the Actions panel closes the prompt editor. */
  const toggleActions = () => {
    if (!actionsOpen.peek()) closePromptEditor();
    actionsOpen.value = !actionsOpen.peek();
  };

  const send = async (text: string, files: Attachment[]): Promise<boolean> => {
    const ids = files.map((f) => f.id);
    notice.value = null;
    await settleFields();
    let conv = chat.conversation.peek();
    try {
      let r: apiClient.TurnStarted;
      if (!conv) {
        // One request creates the conversation with its message: a refused first message
        // leaves no empty conversation behind.
        const d = draft.peek();
        const started = await apiClient.startConversation(
          {
            ...(d.model ? { model: d.model } : {}),
            ...(d.systemPrompt ? { systemPrompt: d.systemPrompt } : {}),
          },
          text,
          ids,
        );
        conv = started.conversation;
        chat.conversation.value = conv;
        conversations.value = [conv, ...conversations.peek().filter((c) => c.id !== conv!.id)];
        setUrl(`/c/${encodeURIComponent(conv.id)}`, false);
        r = started;
      } else {
        r = await apiClient.sendMessage(conv.id, text, ids);
      }
      startTurn(conv.id, r);
      // The first message titled the conversation and every message reorders the list:
      // show both now, not only once the reply is over.
      void refreshList();
      return true;
    } catch (e) {
      if (e instanceof apiClient.ApiError && e.kind === "no_key") noProvider.value = true;
      fail(e);
      return false;
    }
  };

  const stop = async () => {
    const conv = chat.conversation.peek();
    if (!conv || !chat.running.peek()) return;
    try {
      await apiClient.stopTurn(conv.id);
    } catch (e) {
      fail(e);
    }
  };

  const answer = async (messageId: string, callId: string, decision: ApprovalDecision) => {
    const conv = chat.conversation.peek();
    if (!conv) return;
    answering.value = true;
    const done =
      () => (answered.value = new Set([...answered.peek(), approvalKey(messageId, callId)]));
    try {
      await apiClient.answerApproval(conv.id, callId, decision);
      done();
    } catch (e) {
      // 409: it no longer waits (stopped, or answered in another tab); its update follows.
      if (e instanceof apiClient.ApiError && e.status === 409) done();
      else fail(e);
    } finally {
      answering.value = false;
    }
  };

  const actions: MessageActions = useMemo(() =>
    createMessageActions({
      chat,
      async prepare() {
        notice.value = null;
        await settleFields();
      },
      startTurn,
      fail,
    }), []);

  const patch = (fields: ConversationFields): Promise<void> => {
    const conv = chat.conversation.peek();
    if (!conv) return Promise.resolve();
    // In order, one after the other; a turn started meanwhile waits for them (settleFields).
    const run = patching.current.then(async () => {
      try {
        const updated = await apiClient.updateConversation(conv.id, fields);
        if (chat.conversation.peek()?.id === updated.id) chat.conversation.value = updated;
        conversations.value = conversations.peek().map((c) => c.id === updated.id ? updated : c);
      } catch (e) {
        fail(e);
      }
    });
    patching.current = run;
    return run;
  };

  /** Renames or pins a chat of the sidebar. */
  const changeChat = async (id: string, fields: ConversationFields) => {
    try {
      const updated = await apiClient.updateConversation(id, fields);
      conversations.value = conversations.peek().map((c) => c.id === id ? updated : c);
      if (chat.conversation.peek()?.id === id) chat.conversation.value = updated;
    } catch (e) {
      fail(e);
    }
  };

  const remove = async (id: string) => {
    try {
      await apiClient.deleteConversation(id);
      conversations.value = conversations.peek().filter((c) => c.id !== id);
      if (chat.conversation.peek()?.id === id) newChat(false);
    } catch (e) {
      fail(e);
    }
  };

  // On mount: reattach to a running turn, load the model list, follow back/forward, Esc.
  useEffect(() => {
    const conv = chat.conversation.peek();
    if (conv && chat.running.peek()) follow(conv.id);
    if (location.hash.startsWith("#m-")) {
      // A link to a message: if it is older than the window the page came with, load back to it.
      const target = decodeURIComponent(location.hash.slice(3));
      focusMessage.value = target;
      if (!chat.messages.peek().some((m) => m.id === target)) void loadOlder(target);
    }
    apiClient.listModels().then((m) => {
      models.value = m;
      noProvider.value = m.kind === "no_key";
    }).catch((e) =>
      models.value = { models: [], default: props.settings.model, error: (e as Error).message }
    );
    const onPop = () => {
      const m = /^\/c\/([^/]+)$/.exec(location.pathname);
      if (m) void openConversation(decodeURIComponent(m[1]), undefined, false);
      else newChat(false);
    };
    // Esc closes the innermost open thing first; only with nothing open does it stop a reply.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      if (drawerOpen.peek()) drawerOpen.value = false;
      else if (actionsOpen.peek()) closeActions();
      else if (promptEdit.peek() !== null) promptEdit.value = null;
      else if (chat.running.peek()) void stop();
    };
    addEventListener("popstate", onPop);
    document.addEventListener("keydown", onKey);
    return () => {
      removeEventListener("popstate", onPop);
      document.removeEventListener("keydown", onKey);
      closeStream.current?.();
    };
  }, []);

  // The phone drawer takes the focus when it opens (its controls come before the menu button,
  // so Tab would go on behind it), and gives it back to the menu button when it closes.
  const drawerWasOpen = useRef(false);
  useEffect(() => {
    const open = drawerOpen.value;
    if (open === drawerWasOpen.current) return;
    drawerWasOpen.current = open;
    const sidebar = document.getElementById("sidebar");
    const focused = document.activeElement;
    if (open) sidebar?.querySelector<HTMLElement>(".btn-new")?.focus();
    else if (!focused || focused === document.body || sidebar?.contains(focused)) {
      document.querySelector<HTMLElement>(".menu-btn")?.focus();
    }
  }, [drawerOpen.value]);

  // The tab title follows the conversation.
  const conversation = chat.conversation.value;
  useEffect(() => {
    document.title = conversation ? `${displayTitle(conversation.title)} · rungpt` : "rungpt";
  }, [conversation?.title, conversation?.id]);

  const empty = chat.messages.value.length === 0 && !chat.hasMore.value;
  return (
    <div class={`app${drawerOpen.value ? " drawer-open" : ""}`}>
      {/* The first stop for the keyboard: past the sidebar, straight to the message box. */}
      <a
        class="skip-link"
        href="#composer-input"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById("composer-input")?.focus();
        }}
      >
        Skip to chat
      </a>
      <Sidebar
        conversations={conversations}
        currentId={conversation?.id ?? null}
        open={drawerOpen}
        onNew={() => newChat()}
        onOpen={(id, messageId, terms) => void openConversation(id, messageId, true, terms)}
        onRename={(id, title) => void changeChat(id, { title })}
        onPin={(id, pinned) => void changeChat(id, { pinned })}
        onDelete={(id) => void remove(id)}
      />
      <div class="backdrop" onClick={() => (drawerOpen.value = false)} aria-hidden="true" />
      <main class="main">
        <ChatHeader
          conversation={conversation}
          models={models}
          draft={draft}
          drawerOpen={drawerOpen}
          promptEdit={promptEdit}
          onPromptOpen={() => (actionsOpen.value = false)}
          onPatch={(f) => void patch(f)}
          tools={
            <button
              type="button"
              class={`btn btn-small${actionsOpen.value ? " has-value" : ""}`}
              aria-expanded={actionsOpen.value}
              aria-controls="actions-panel"
              onClick={toggleActions}
            >
              Actions
            </button>
          }
        />
        {actionsOpen.value && (
          <ActionsPanel
            conversationId={conversation?.id ?? null}
            model={conversation ? conversation.model : draft.value.model}
            onClose={closeActions}
          />
        )}
        {empty ? <EmptyState noModel={noProvider.value} /> : (
          <MessageList
            key={conversation?.id ?? "new"}
            chat={chat}
            actions={actions}
            focusMessage={focusMessage}
            focusTerms={focusTerms}
            onLoadOlder={() => void loadOlder()}
          />
        )}
        <div class="composer-area">
          {reconnecting.value && chat.running.value && (
            <div class="notice notice-info" role="status">Connection lost; reconnecting…</div>
          )}
          {notice.value && (
            <div class="notice notice-error" role="alert">
              <span>{notice.value}</span>
              <button
                type="button"
                class="icon-btn"
                aria-label="Dismiss"
                onClick={() => (notice.value = null)}
              >
                ×
              </button>
            </div>
          )}
          <Composer
            running={chat.running}
            onSend={send}
            onStop={() => void stop()}
            focusToken={focusComposer}
            noProvider={noProvider.value}
            restore={restoreDraft}
          />
        </div>
        <div class="sr-only" role="status" aria-live="polite">{status.value}</div>
        {approval.value && (
          <ApprovalDialog
            key={approvalKey(approval.value.messageId, approval.value.call.id)}
            call={approval.value.call}
            busy={answering.value}
            onAnswer={(d) => void answer(approval.value!.messageId, approval.value!.call.id, d)}
            onStop={() => void stop()}
          />
        )}
      </main>
    </div>
  );
}
