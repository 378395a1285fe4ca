/**
 * The conversation header: title (editable), model picker, system prompt editor, exports.
 * For a chat not yet created, model and system prompt are kept as a draft and used when the
 * first message creates the conversation.
 * @module
 */
import { useSignal } from "@preact/signals";
import type { Signal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Conversation } from "../../lib/store/types.ts";
import { type ConversationFields, exportUrl, type ModelList } from "../../lib/ui/api.ts";
import { displayTitle } from "../../lib/ui/format.ts";
import { Icon } from "../Icon.tsx";
import { InlineEdit } from "./InlineEdit.tsx";
import { lostFocus } from "../../lib/ui/focus.ts";

/** Props of {@linkcode ChatHeader}. */
export interface ChatHeaderProps {
  conversation: Conversation | null;
  models: Signal<ModelList | null>;
  /** Model and system prompt chosen before the conversation exists. */
  draft: Signal<{ model: string | null; systemPrompt: string }>;
  drawerOpen: Signal<boolean>;
  /**
   * The system prompt being edited, `null` while its editor is closed. The chat owns it, so
   * that sending a message applies what the editor shows, saved or not.
   */
  promptEdit: Signal<string | null>;
  /** The prompt editor opens: other panels under the header close, so they never stack. */
  onPromptOpen?(): void;
  onPatch(fields: ConversationFields): void;
  /** More buttons for the header's tools (e.g. the actions panel's toggle). */
  tools?: ComponentChildren;
}

/** The header bar of the main pane. */
export function ChatHeader(
  { conversation, models, draft, drawerOpen, promptEdit, onPromptOpen, onPatch, tools }:
    ChatHeaderProps,
) {
  const renaming = useSignal(false);
  /** After renaming, the focus goes back to the title's Rename button, not to the page. */
  const renameButton = useRef<HTMLButtonElement>(null);
  const endRename = () => {
    renaming.value = false;
    // The button is back in the DOM after the next render; the focus went with the input,
    // unless the user clicked elsewhere (then it stays there).
    requestAnimationFrame(() => {
      if (lostFocus()) renameButton.current?.focus();
    });
  };
  const promptOpen = promptEdit.value !== null;
  const model = conversation ? conversation.model : draft.value.model;
  const systemPrompt = conversation ? conversation.systemPrompt : draft.value.systemPrompt;
  const list = models.value;
  const fallback = list?.default ?? null;

  const setModel = (value: string) => {
    const next = value.trim() || null;
    if (next === model) return;
    if (conversation) onPatch({ model: next });
    else draft.value = { ...draft.value, model: next };
  };

  return (
    <header class="chat-header">
      <div class="header-row">
        <button
          type="button"
          class="icon-btn menu-btn"
          aria-label="Open conversations"
          aria-controls="sidebar"
          aria-expanded={drawerOpen.value}
          onClick={() => (drawerOpen.value = !drawerOpen.value)}
        >
          <Icon name="menu" />
        </button>
        <div class="title-box">
          {renaming.value && conversation
            ? (
              <InlineEdit
                class="title-edit"
                value={conversation.title}
                label="Conversation title"
                onSave={(t) => {
                  endRename();
                  onPatch({ title: t });
                }}
                onCancel={endRename}
              />
            )
            : (
              <>
                <h1 class="chat-title">{displayTitle(conversation?.title)}</h1>
                {conversation && (
                  <button
                    ref={renameButton}
                    type="button"
                    class="icon-btn"
                    aria-label="Rename conversation"
                    title="Rename"
                    onClick={() => (renaming.value = true)}
                  >
                    <Icon name="edit" size={15} />
                  </button>
                )}
              </>
            )}
        </div>
        <div class="header-tools">
          <label class="model-picker">
            <span class="sr-only">Model</span>
            <input
              list="model-options"
              aria-label="Model"
              placeholder={fallback ? `Default (${fallback})` : "Default model"}
              value={model ?? ""}
              title={list?.error
                ? `Could not list models: ${list.error}`
                : "Model for this conversation"}
              onChange={(e) => setModel(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") setModel(e.currentTarget.value);
              }}
              spellcheck={false}
              autocomplete="off"
            />
            <datalist id="model-options">
              {list?.models.map((m) => <option key={m} value={m} />)}
            </datalist>
          </label>
          <button
            type="button"
            class={`btn btn-small${systemPrompt ? " has-value" : ""}`}
            aria-label="System prompt"
            aria-expanded={promptOpen}
            aria-controls="system-prompt"
            onClick={() => {
              if (!promptOpen) onPromptOpen?.();
              promptEdit.value = promptOpen ? null : systemPrompt;
            }}
          >
            {/* A phone shows the short label, so the model picker keeps a usable width. */}
            <span class="label-wide" aria-hidden="true">System prompt</span>
            <span class="label-narrow" aria-hidden="true">Prompt</span>
          </button>
          {tools}
          {conversation && <ExportMenu id={conversation.id} />}
        </div>
      </div>
      {promptOpen && (
        <SystemPromptEditor
          text={promptEdit}
          onSave={(v) => {
            promptEdit.value = null;
            if (v === systemPrompt) return;
            if (conversation) onPatch({ systemPrompt: v });
            else draft.value = { ...draft.value, systemPrompt: v };
          }}
          onCancel={() => (promptEdit.value = null)}
        />
      )}
    </header>
  );
}

/**
 * "Export" and its two downloads. A `<details>` menu that, like any menu, closes once a
 * download is chosen, on Esc (focus back on "Export") and on a click elsewhere.
 */
function ExportMenu({ id }: { id: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      const menu = ref.current;
      if (menu?.open && !menu.contains(e.target as Node)) menu.open = false;
    };
    const onKey = (e: KeyboardEvent) => {
      const menu = ref.current;
      if (e.key !== "Escape" || !menu?.open) return;
      // Handled here: Esc closes the menu, it does not also stop a reply.
      e.preventDefault();
      menu.open = false;
      menu.querySelector("summary")?.focus();
    };
    document.addEventListener("click", onClick);
    // Capture: before the chat's own Esc (stop the reply) sees the key.
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("click", onClick);
      document.removeEventListener("keydown", onKey, true);
    };
  }, []);
  const close = () => {
    if (ref.current) ref.current.open = false;
  };
  return (
    <details class="menu" ref={ref}>
      <summary class="btn btn-small" title="Export">
        <Icon name="download" size={15} />
        <span class="label-wide-or-sr">Export</span>
      </summary>
      <div class="menu-items">
        <a href={exportUrl(id, "md")} download onClick={close}>Export Markdown</a>
        <a href={exportUrl(id, "json")} download onClick={close}>Export JSON</a>
      </div>
    </details>
  );
}

function SystemPromptEditor(
  { text, onSave, onCancel }: {
    text: Signal<string | null>;
    onSave(v: string): void;
    onCancel(): void;
  },
) {
  return (
    <form
      id="system-prompt"
      class="system-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(text.value ?? "");
      }}
    >
      <label for="system-prompt-text">System prompt for this conversation</label>
      <textarea
        id="system-prompt-text"
        rows={4}
        value={text.value ?? ""}
        placeholder="e.g. You are a concise assistant. Answer in English."
        onInput={(e) => (text.value = e.currentTarget.value)}
        ref={(el) => {
          // Opened: the text gets the focus (once), so typing and Esc work at once.
          if (el && !el.dataset.focused) {
            el.dataset.focused = "1";
            el.focus();
          }
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onCancel();
          }
        }}
      />
      <div class="row-buttons">
        <button type="submit" class="btn btn-primary btn-small">Save prompt</button>
        <button type="button" class="btn btn-small" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
