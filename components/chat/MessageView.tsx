/**
 * One message. Reads its own signals, so a streaming delta re-renders this message only.
 * @module
 */
import { Component } from "preact";
import { useSignal } from "@preact/signals";
import type { Signal } from "@preact/signals";
import type { MessageState } from "../../lib/ui/chat_state.ts";
import { copyText } from "../../lib/ui/markdown.ts";
import { fullTime, isSettingsError, settingsLinkParts } from "../../lib/ui/format.ts";
import { Icon } from "../Icon.tsx";
import { Markdown } from "./Markdown.tsx";
import { ActionCard } from "./ActionCard.tsx";
import { splitAtOffsets } from "../../lib/ui/actions.ts";
import { type MessageActions, versionPlace } from "../../lib/ui/versions.ts";
import { VersionSwitcher } from "./VersionSwitcher.tsx";
import { SentAttachments } from "./AttachmentChips.tsx";

/** Props of {@linkcode MessageView}. */
export interface MessageViewProps {
  m: MessageState;
  isLastUser: boolean;
  isLastAssistant: boolean;
  running: Signal<boolean>;
  actions: MessageActions;
}

/** A message with its actions, error block and status markers. */
export function MessageView(
  { m, isLastUser, isLastAssistant, running, actions }: MessageViewProps,
) {
  const content = m.content.value;
  const status = m.status.value;
  const editing = useSignal(false);
  const draft = useSignal("");
  const copied = useSignal(false);
  // Only the last messages care whether a turn runs (their buttons depend on it).
  const busy = isLastUser || isLastAssistant ? running.value : false;
  const streaming = status === "streaming";
  const model = m.model.value;
  const calls = m.role === "assistant" ? m.actions.value : [];
  const versions = versionPlace(m.id, m.versions);

  const copy = async () => {
    copied.value = await copyText(content);
    setTimeout(() => (copied.value = false), 1500);
  };

  return (
    <article
      id={`m-${m.id}`}
      class={`msg msg-${m.role}`}
      data-status={status}
      aria-label={m.role === "user" ? "Your message" : "Assistant message"}
    >
      <div class="msg-head">
        <span class="msg-who">{m.role === "user" ? "You" : "Assistant"}</span>
        {m.role === "assistant" && model && <span class="msg-model">{model}</span>}
        <time
          class="msg-time"
          dateTime={new Date(m.createdAt).toISOString()}
          title={fullTime(m.createdAt)}
        >
          {new Date(m.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>
      </div>

      {editing.value
        ? (
          <form
            class="msg-edit"
            onSubmit={async (e) => {
              e.preventDefault();
              const text = draft.value.trim();
              if (!text) return;
              if (await actions.edit(m.id, text)) editing.value = false;
            }}
          >
            <textarea
              aria-label="Edit message"
              value={draft.value}
              rows={Math.min(12, draft.value.split("\n").length + 1)}
              onInput={(e) => (draft.value = e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") {
                  e.stopPropagation();
                  editing.value = false;
                } else if (
                  // As in the composer: Enter sends, Shift+Enter adds a line.
                  e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey &&
                  !e.ctrlKey && !e.metaKey
                ) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
              ref={(el) => {
                // Once, with the caret at the end of the text (where one goes on typing).
                if (el && !el.dataset.focused) {
                  el.dataset.focused = "1";
                  el.focus();
                  el.setSelectionRange(el.value.length, el.value.length);
                }
              }}
            />
            <div class="row-buttons">
              <button type="submit" class="btn btn-primary">Save and send</button>
              <button type="button" class="btn" onClick={() => (editing.value = false)}>
                Cancel
              </button>
            </div>
          </form>
        )
        : m.role === "user"
        ? content && <div class="user-text">{content}</div>
        : calls.length
        ? <AssistantParts content={content} calls={calls} streaming={streaming} />
        : <Markdown content={content} streaming={streaming} />}

      {m.attachments.length > 0 && <SentAttachments files={m.attachments} />}

      {streaming && content === "" && !calls.length && (
        <div class="typing" aria-hidden="true">
          <span />
          <span />
          <span />
        </div>
      )}
      {status === "stopped" && <div class="msg-note">Stopped</div>}
      {status === "error" && (
        <div class="msg-error">
          <strong>Error:</strong> <ErrorText message={m.error.value} kind={m.errorKind.value} />
        </div>
      )}

      {!streaming && !editing.value && (
        <div class="msg-actions">
          {versions && (
            <VersionSwitcher
              place={versions}
              onShow={(id) => actions.showVersion(m.id, id)}
            />
          )}
          <button type="button" class="icon-btn" onClick={copy} aria-label="Copy" title="Copy">
            <Icon name={copied.value ? "check" : "copy"} size={16} />
          </button>
          {/* Every question can be edited; while a reply runs the list hides these (CSS). */}
          {m.role === "user" && !(isLastUser && busy) && (
            <button
              type="button"
              class="icon-btn msg-edit-btn"
              aria-label="Edit"
              title="Edit and resend"
              onClick={() => {
                draft.value = content;
                editing.value = true;
              }}
            >
              <Icon name="edit" size={16} />
            </button>
          )}
          {isLastAssistant && !busy && (
            <button
              type="button"
              class="icon-btn"
              aria-label="Regenerate"
              title="Regenerate"
              onClick={actions.regenerate}
            >
              <Icon name="refresh" size={16} />
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** A failed reply's error; for a key problem, its one mention of Settings is the link there. */
function ErrorText({ message, kind }: { message: string | null; kind: string | null }) {
  const text = message || "The model could not answer.";
  if (!isSettingsError(kind)) return <>{text}</>;
  const { before, after } = settingsLinkParts(text);
  return (
    <>
      {before}
      <a href="/settings">Settings</a>
      {after}
    </>
  );
}

/** A reply's text split where the model called actions, with a card at each call. */
function AssistantParts(
  { content, calls, streaming }: {
    content: string;
    calls: MessageState["actions"]["value"];
    streaming: boolean;
  },
) {
  const parts = splitAtOffsets(content, calls);
  return (
    <div class="msg-parts">
      {parts.map((p, i) => (
        <div class="msg-part" key={i}>
          {p.text.trim() !== "" && (
            <Markdown content={p.text} streaming={streaming && i === parts.length - 1} />
          )}
          {p.calls.map((c) => <ActionCard key={c.id} call={c} />)}
        </div>
      ))}
    </div>
  );
}

/**
 * {@linkcode MessageView} that skips re-rendering when its props did not change, so adding a
 * message to a 2,000-message list does not re-render the other 1,999.
 */
export class MessageItem extends Component<MessageViewProps> {
  override shouldComponentUpdate(next: MessageViewProps): boolean {
    const p = this.props;
    return p.m !== next.m || p.isLastUser !== next.isLastUser ||
      p.isLastAssistant !== next.isLastAssistant || p.actions !== next.actions ||
      p.running !== next.running;
  }
  override render() {
    return <MessageView {...this.props} />;
  }
}
