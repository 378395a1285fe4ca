/**
 * The message box: Enter sends, Shift+Enter adds a line, Esc stops; grows with its text.
 * @module
 */
import { useSignal } from "@preact/signals";
import type { Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { Icon } from "../Icon.tsx";

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  running: Signal<boolean>;
  /** Sends the text; resolves to whether it was accepted (the box is cleared then). */
  onSend(text: string): Promise<boolean>;
  onStop(): void;
  /** Bumped to ask the composer to take focus (e.g. after "New chat"). */
  focusToken: Signal<number>;
  /** Nothing to talk to yet: Send is disabled and a hint points to Settings. */
  noProvider?: boolean;
}

const MAX_HEIGHT_VH = 0.4;

/** The composer form with "Send" and, while generating, "Stop". */
export function Composer({ running, onSend, onStop, focusToken, noProvider }: ComposerProps) {
  const text = useSignal("");
  const sending = useSignal(false);
  const area = useRef<HTMLTextAreaElement>(null);

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

  const submit = async () => {
    const value = text.value.trim();
    if (!value || running.value || sending.value || noProvider) return;
    sending.value = true;
    try {
      if (await onSend(value)) {
        text.value = "";
        if (area.current) area.current.value = "";
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
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
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
              disabled={sending.value || noProvider}
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
