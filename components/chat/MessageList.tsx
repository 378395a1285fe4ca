/**
 * The scrolling list of messages. Sticks to the bottom while a reply streams unless the user
 * scrolled up; scrolls to a message when asked (search hits).
 * @module
 */
import type { Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { type ChatState, lastOfRole } from "../../lib/ui/chat_state.ts";
import { type MessageActions, MessageItem } from "./MessageView.tsx";

/** Props of {@linkcode MessageList}. */
export interface MessageListProps {
  chat: ChatState;
  actions: MessageActions;
  /** A message id to scroll to once (then cleared). */
  focusMessage: Signal<string | null>;
}

const STICK_PX = 80;

/** All visible messages of the open conversation. */
export function MessageList({ chat, actions, focusMessage }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const list = chat.messages.value;
  const lastUser = lastOfRole(list, "user");
  const lastAssistant = lastOfRole(list, "assistant");

  // Keep the bottom in view while content grows, if the reader is at the bottom.
  useEffect(() => {
    const el = scroller.current;
    const content = inner.current;
    if (!el || !content) return;
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    };
    const ro = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    });
    el.addEventListener("scroll", onScroll, { passive: true });
    ro.observe(content);
    if (!focusMessage.peek()) el.scrollTop = el.scrollHeight;
    return () => {
      el.removeEventListener("scroll", onScroll);
      ro.disconnect();
    };
  }, []);

  // A new message (sent or regenerated) brings the reader back to the bottom.
  useEffect(() => {
    const el = scroller.current;
    if (!el || focusMessage.peek()) return;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
  }, [list.length, list[list.length - 1]?.id]);

  const focusId = focusMessage.value;
  useEffect(() => {
    if (!focusId) return;
    const target = document.getElementById(`m-${focusId}`);
    if (target) {
      stick.current = false;
      target.scrollIntoView({ block: "center" });
      target.classList.add("flash");
      setTimeout(() => target.classList.remove("flash"), 2000);
    }
    focusMessage.value = null;
  }, [focusId]);

  return (
    <div ref={scroller} class="messages" tabIndex={-1}>
      <div ref={inner} class="messages-inner">
        {list.map((m) => (
          <MessageItem
            key={m.id}
            m={m}
            isLastUser={m === lastUser}
            isLastAssistant={m === lastAssistant}
            running={chat.running}
            actions={actions}
          />
        ))}
      </div>
    </div>
  );
}
