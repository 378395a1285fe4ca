/**
 * Live turns: the in-memory side of a running generation. Whoever subscribes — the tab
 * that started it, or a reloaded one — first gets a snapshot of the growing message, then
 * every event as it happens.
 * @module
 */
import { setImmediate } from "node:timers";
import type { Message } from "../store/types.ts";
import type { TurnEvent } from "./events.ts";

/** A listener for one conversation's events. */
export type TurnListener = (event: TurnEvent) => void;

/** The state of one running turn. */
export interface LiveTurn {
  conversationId: string;
  /**
   * The assistant message being generated, kept current in memory; `null` while the turn is
   * starting (its user message is being written), before the message exists.
   */
  message: Message | null;
  controller: AbortController;
  listeners: Set<TurnListener>;
  /** Settles when the turn has ended and its last state is persisted. */
  done: Promise<void>;
  /** Text published with {@linkcode publishDelta} that listeners have not been sent yet. */
  pendingDelta?: { messageId: string; text: string };
}

/** Running turns by conversation id. */
export type LiveTurns = Map<string, LiveTurn>;

/**
 * Sends an event to every listener; a throwing listener is dropped, not fatal. Text still
 * held by {@linkcode publishDelta} goes first, so listeners see events in order.
 */
export function publish(turn: LiveTurn, event: TurnEvent): void {
  flushDelta(turn);
  send(turn, event);
}

/**
 * Publishes text appended to a message. Text that arrives back to back (a fast model's
 * chunks, handed over together) goes out as one `delta` event at the next turn of the event
 * loop rather than one event per chunk: listeners see the same text, with one encode and one
 * write instead of hundreds.
 */
export function publishDelta(turn: LiveTurn, messageId: string, text: string): void {
  const pending = turn.pendingDelta;
  if (pending?.messageId === messageId) {
    pending.text += text;
    return;
  }
  flushDelta(turn);
  turn.pendingDelta = { messageId, text };
  setImmediate(() => flushDelta(turn));
}

/** Sends the text held by {@linkcode publishDelta}, if any. */
function flushDelta(turn: LiveTurn): void {
  const pending = turn.pendingDelta;
  if (!pending) return;
  turn.pendingDelta = undefined;
  send(turn, { type: "delta", messageId: pending.messageId, text: pending.text });
}

function send(turn: LiveTurn, event: TurnEvent): void {
  for (const listener of turn.listeners) {
    try {
      listener(event);
    } catch {
      turn.listeners.delete(listener);
    }
  }
}

/**
 * The most event streams one running turn keeps open: each holds a connection and the events
 * its reader has not taken yet. A page needs one; a few tabs a few.
 */
export const MAX_LISTENERS = 32;

/**
 * How far (in characters of event text, the opening snapshot not counted) a reader may fall
 * behind before its stream is ended: a reader that stops reading must not make rungpt hold
 * the whole turn for it. Twice the longest reply (`MAX_REPLY_CHARS`), so a reader that keeps
 * reading is never cut by a reply that arrives all at once. The browser reconnects by itself
 * and starts from a new snapshot.
 */
export const MAX_BEHIND = 8 * 1024 * 1024;

/**
 * Whether a conversation's running turn has {@linkcode MAX_LISTENERS} streams open already.
 *
 * @example
 * ```ts
 * if (listenersFull(turns, id)) throw new HttpError(429, "Too many event streams.");
 * ```
 */
export function listenersFull(turns: LiveTurns, conversationId: string): boolean {
  return (turns.get(conversationId)?.listeners.size ?? 0) >= MAX_LISTENERS;
}

/**
 * Subscribes to a conversation: `snapshot` then live events, or just `idle` when nothing
 * runs. Returns the unsubscribe function.
 */
export function subscribe(turns: LiveTurns, conversationId: string, listener: TurnListener) {
  const turn = turns.get(conversationId);
  if (!turn) {
    listener({ type: "idle" });
    return () => {};
  }
  // The snapshot holds all text so far: send the held text to earlier listeners first. A turn
  // still starting has no message yet: its first event, `message`, brings it.
  flushDelta(turn);
  if (turn.message) listener({ type: "snapshot", message: { ...turn.message } });
  turn.listeners.add(listener);
  return () => turn.listeners.delete(listener);
}

/**
 * Encodes events as a Server-Sent Events body that ends after `end` (or `idle`), with a
 * heartbeat comment so proxies keep the connection open.
 *
 * Events are written when the reader asks for more: those that arrive while the connection is
 * still busy sending go out together in one write (one encode, one chunk), so a fast model
 * costs one write per network turn rather than one per token; a waiting reader gets each
 * event at once. A reader more than `maxBehind` characters behind is cut off (see
 * {@linkcode MAX_BEHIND}).
 *
 * @example
 * ```ts
 * return new Response(eventStream(turns.live, id, req.signal), {
 *   headers: { "content-type": "text/event-stream" },
 * });
 * ```
 */
export function eventStream(
  turns: LiveTurns,
  conversationId: string,
  signal: AbortSignal,
  heartbeatMs = 15_000,
  maxBehind = MAX_BEHIND,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending = ""; // SSE text not yet handed to the reader
  let behind = 0; // characters of events (not the snapshot) added since the reader last read
  let ending = false; // no more events will come: close once `pending` is out
  let wake: (() => void) | null = null;
  let cleanup = () => {};
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = () => {
    ending = true;
    cleanup();
    notify();
  };
  return new ReadableStream<Uint8Array>({
    start() {
      const heartbeat = setInterval(() => {
        pending += ": keep-alive\n\n";
        notify();
      }, heartbeatMs);
      const onAbort = () => stop();
      let unsubscribe = () => {};
      let done = false;
      cleanup = () => {
        if (done) return;
        done = true;
        clearInterval(heartbeat);
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
      };
      unsubscribe = subscribe(turns, conversationId, (event) => {
        if (ending) return;
        const text = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
        if (event.type !== "snapshot") behind += text.length;
        if (behind > maxBehind) {
          // Too far behind: end here; its reconnect starts from a snapshot.
          pending = "";
          return stop();
        }
        pending += text;
        if (event.type === "end" || event.type === "idle") stop();
        else notify();
      });
      if (ending) unsubscribe(); // `idle` came during subscribe, before `unsubscribe` was set
      else if (signal.aborted) stop();
      else signal.addEventListener("abort", onAbort);
    },
    async pull(controller) {
      while (!pending && !ending) await new Promise<void>((resolve) => wake = resolve);
      if (pending) {
        controller.enqueue(encoder.encode(pending));
        pending = "";
      }
      behind = 0;
      if (ending) controller.close();
    },
    cancel() {
      ending = true;
      cleanup();
      notify();
    },
  }, { highWaterMark: 0 });
}
