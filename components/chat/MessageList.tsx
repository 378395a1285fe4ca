/**
 * The scrolling list of messages. Sticks to the bottom while a reply streams unless the user
 * scrolled up; scrolls to a message when asked (search hits). Long conversations arrive as
 * their latest window: older pages load when the top comes near (an IntersectionObserver on
 * a sentinel) or from the "Load earlier messages" button, and the reader's place stays put.
 * Messages are drawn in blocks (`MessageBlock.tsx`), which the browser skips while off screen.
 * @module
 */
import type { Signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { findTextRange, highlightRange } from "../../lib/ui/find_text.ts";
import { type ChatState, lastOfRole, messageBlocks } from "../../lib/ui/chat_state.ts";
import { BLOCK_SIZE, MessageBlock } from "./MessageBlock.tsx";
import type { MessageActions } from "../../lib/ui/versions.ts";

/** Props of {@linkcode MessageList}. */
export interface MessageListProps {
  chat: ChatState;
  actions: MessageActions;
  /** A message id to scroll to once it is loaded (then cleared). */
  focusMessage: Signal<string | null>;
  /** The words a search matched in that message: scrolled to and highlighted. */
  focusTerms?: Signal<readonly string[]>;
  /** Loads the page before the oldest loaded message (`chat.hasMore` says one exists). */
  onLoadOlder: () => void;
}

const STICK_PX = 80;
/** How far above the top an older page starts loading, so scrolling rarely waits. */
const PRELOAD_PX = 600;

/** The loaded messages of the open conversation. */
export function MessageList(
  { chat, actions, focusMessage, focusTerms, onLoadOlder }: MessageListProps,
) {
  const scroller = useRef<HTMLDivElement>(null);
  /** The reader scrolled up from the latest message: "Jump to latest" shows. */
  const [away, setAway] = useState(false);
  const inner = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const list = chat.messages.value;
  const hasMore = chat.hasMore.value;
  const loading = chat.loadingOlder.value;
  const firstId = list[0]?.id;

  // Prepending older messages must not move what the reader sees: remember the distance
  // from the bottom before the DOM changes (render runs before commit) and restore it after.
  // Setting an absolute position is idempotent, so the browser's own scroll anchoring (which
  // also keeps places when messages above change height) cannot make it move twice.
  const anchor = useRef<{ firstId: string | undefined; fromBottom: number | null }>({
    firstId,
    fromBottom: null,
  });
  if (anchor.current.firstId !== firstId) {
    const el = scroller.current;
    anchor.current = { firstId, fromBottom: el ? el.scrollHeight - el.scrollTop : null };
  }
  useLayoutEffect(() => {
    const el = scroller.current;
    const { fromBottom } = anchor.current;
    if (!el || fromBottom === null) return;
    anchor.current.fromBottom = null;
    el.scrollTop = el.scrollHeight - fromBottom;
  }, [firstId]);

  // Near the top: fetch the previous page. Re-armed after each page, so a page too short to
  // fill the screen is followed by the next.
  useEffect(() => {
    const el = sentinel.current;
    const root = scroller.current;
    if (!hasMore || !el || !root || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) onLoadOlder();
    }, { root, rootMargin: `${PRELOAD_PX}px 0px 0px 0px` });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, firstId, loading]);
  const lastUser = lastOfRole(list, "user");
  const lastAssistant = lastOfRole(list, "assistant");

  // Keep the bottom in view while content grows, if the reader is at the bottom.
  useEffect(() => {
    const el = scroller.current;
    const content = inner.current;
    if (!el || !content) return;
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
      setAway(!stick.current);
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

  // A new last message (sent or regenerated) brings the reader back to the bottom; older
  // pages arriving at the top do not.
  const lastId = list[list.length - 1]?.id;
  const seenLast = useRef(lastId);
  useEffect(() => {
    const el = scroller.current;
    if (seenLast.current === lastId) return;
    seenLast.current = lastId;
    if (!el || focusMessage.peek()) return;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
  }, [lastId]);

  // A search for words in the target, still waiting for them to render. Not a cleanup of the
  // effect below: that one runs again as soon as the focus is cleared.
  const stopFind = useRef<(() => void) | null>(null);
  // The target may arrive later (its page is still loading): wait for it while asked.
  const focusId = focusMessage.value;
  useEffect(() => {
    if (!focusId) return;
    const target = document.getElementById(`m-${focusId}`);
    if (!target) {
      if (!loading) focusMessage.value = null; // not loaded and not coming: give up
      return;
    }
    stick.current = false;
    target.scrollIntoView({ block: "center" });
    target.classList.add("flash");
    setTimeout(() => target.classList.remove("flash"), 2000);
    focusMessage.value = null;
    const terms = focusTerms?.peek() ?? [];
    stopFind.current?.();
    stopFind.current = terms.length > 0 ? scrollToText(target, terms) : null;
  }, [focusId, list, loading]);
  useEffect(() => () => {
    stopFind.current?.();
    highlightRange(null);
  }, []);

  const jumpToLatest = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = true;
    setAway(false);
    el.scrollTop = el.scrollHeight;
  };

  return (
    <div ref={scroller} class="messages" tabIndex={-1} data-running={chat.running.value}>
      <div ref={inner} class="messages-inner">
        {hasMore && (
          <div ref={sentinel} class="load-earlier">
            <button
              type="button"
              class="btn btn-small"
              disabled={loading}
              aria-busy={loading}
              onClick={onLoadOlder}
            >
              {loading ? "Loading earlier messages…" : "Load earlier messages"}
            </button>
          </div>
        )}
        {messageBlocks(list, BLOCK_SIZE).map((b) => (
          <MessageBlock
            key={b.key}
            messages={b.messages}
            lastUserId={lastUser && b.messages.includes(lastUser) ? lastUser.id : null}
            lastAssistantId={lastAssistant && b.messages.includes(lastAssistant)
              ? lastAssistant.id
              : null}
            running={chat.running}
            actions={actions}
          />
        ))}
      </div>
      {away && (
        <div class="jump-latest">
          <button type="button" class="btn btn-small" onClick={jumpToLatest}>
            Jump to latest
          </button>
        </div>
      )}
    </div>
  );
}

/** How long to wait for a message's markdown to render the searched words. */
const FIND_WAIT_MS = 5000;

/**
 * Scrolls to the first of `terms` in `message` and highlights it. The message's markdown may
 * still be rendering (its plain text first, then the rendered fragment replaces it), so it
 * watches the message for a while and finds the words again whenever they were replaced.
 * Returns a cleanup.
 */
function scrollToText(message: Element, terms: readonly string[]): () => void {
  let found: Range | null = null;
  const find = () => {
    if (found && !found.collapsed && message.contains(found.startContainer)) return;
    found = findTextRange(message, terms);
    if (!found) return;
    found.startContainer.parentElement?.scrollIntoView({ block: "center" });
    highlightRange(found);
  };
  find();
  const observer = new MutationObserver(find);
  const timer = setTimeout(() => stop(), FIND_WAIT_MS);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(message, { childList: true, subtree: true, characterData: true });
  return stop;
}
