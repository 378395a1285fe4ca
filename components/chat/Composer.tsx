/**
 * The message box: Enter sends, Shift+Enter adds a line, Esc stops; grows with its text.
 * Files come with the "Attach files" button, a drop on the box, or a paste.
 * @module
 */
import { useSignal } from "@preact/signals";
import type { Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { Icon } from "../Icon.tsx";
import type { Attachment } from "../../lib/store/attachments.ts";
import { AttachButton, LIMITS_TEXT, useDraftFiles } from "./AttachButton.tsx";
import { DraftChips } from "./AttachmentChips.tsx";

/** A draft to put back in the box (its send failed in a way the user can fix). */
export interface RestoredDraft {
  text: string;
  attachments: Attachment[];
}

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  running: Signal<boolean>;
  /** Sends the text and files; resolves to whether it was accepted (the box is cleared then). */
  onSend(text: string, attachments: Attachment[]): Promise<boolean>;
  onStop(): void;
  /** Bumped to ask the composer to take focus (e.g. after "New chat"). */
  focusToken: Signal<number>;
  /** Nothing to talk to yet: Send is disabled and a hint points to Settings. */
  noProvider?: boolean;
  /** Set to put a draft back in the box. */
  restore?: Signal<RestoredDraft | null>;
}

const MAX_HEIGHT_VH = 0.4;

/** The composer form with "Send" and, while generating, "Stop". */
export function Composer(
  { running, onSend, onStop, focusToken, noProvider, restore }: ComposerProps,
) {
  const text = useSignal("");
  const sending = useSignal(false);
  const dragging = useSignal(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const files = useDraftFiles();

  const grow = () => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, Math.round(innerHeight * MAX_HEIGHT_VH))}px`;
  };

  useEffect(() => {
    focusToken.value; // subscribe
    area.current?.focus();
  }, [focusToken.value]);

  useEffect(() => {
    const draft = restore?.value;
    if (!draft) return;
    restore!.value = null;
    text.value = draft.text;
    files.restore(draft.attachments);
    requestAnimationFrame(grow);
  }, [restore?.value]);

  const submit = async () => {
    const value = text.value.trim();
    const attached = files.ready();
    if (attached === null) return; // still uploading
    if ((!value && !attached.length) || running.value || sending.value || noProvider) return;
    sending.value = true;
    try {
      if (await onSend(value, attached)) {
        text.value = "";
        if (area.current) area.current.value = "";
        files.clear();
        grow();
      }
    } finally {
      sending.value = false;
    }
  };

  const isRunning = running.value;
  return (
    <>
      {noProvider && (
        <p class="composer-hint" id="composer-hint">
          Add your API key or a server's base URL in <a href="/settings">Settings</a>.
        </p>
      )}
      {(files.files.value.length > 0 || files.error.value) && (
        <div class="composer-files">
          {files.files.value.length > 0 && (
            <DraftChips files={files.files.value} onRemove={files.remove} />
          )}
          {files.error.value && <p class="attach-error" role="alert">{files.error.value}</p>}
        </div>
      )}
      <p
        id="attach-limits"
        class={dragging.value || files.files.value.length ? "attach-limits" : "sr-only"}
      >
        {LIMITS_TEXT}
      </p>
      <form
        class={`composer${dragging.value ? " composer-drop" : ""}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        onDragOver={(e) => {
          if (!e.dataTransfer?.types.includes("Files")) return;
          e.preventDefault();
          dragging.value = true;
        }}
        onDragLeave={() => (dragging.value = false)}
        onDrop={(e) => {
          if (!e.dataTransfer?.files.length) return;
          e.preventDefault();
          dragging.value = false;
          files.add([...e.dataTransfer.files]);
        }}
      >
        <AttachButton draft={files} disabled={noProvider} />
        <textarea
          ref={area}
          id="composer-input"
          class="composer-input"
          aria-label="Message"
          aria-describedby={noProvider ? "composer-hint" : undefined}
          placeholder={isRunning
            ? "Generating… (Esc to stop)"
            : "Message (Enter to send, Shift+Enter for a new line)"}
          rows={1}
          value={text.value}
          onInput={(e) => {
            text.value = e.currentTarget.value;
            grow();
          }}
          onPaste={(e) => {
            const pasted = [...(e.clipboardData?.files ?? [])];
            if (!pasted.length) return;
            e.preventDefault();
            files.add(pasted);
          }}
          onKeyDown={(e) => {
            if (
              e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey &&
              !e.metaKey
            ) {
              e.preventDefault();
              void submit();
            } else if (e.key === "Escape" && running.value) {
              e.preventDefault();
              onStop();
            }
          }}
        />
        {isRunning
          ? (
            <button type="button" class="btn btn-stop" onClick={onStop}>
              <Icon name="stop" size={16} />
              <span>Stop</span>
            </button>
          )
          : (
            <button
              type="submit"
              class="btn btn-primary"
              disabled={sending.value || noProvider ||
                files.files.value.some((f) => !f.attachment)}
              aria-describedby={noProvider ? "composer-hint" : undefined}
            >
              <Icon name="send" size={16} />
              <span>Send</span>
            </button>
          )}
      </form>
    </>
  );
}
