/**
 * Live turns: the in-memory side of a running generation. Whoever subscribes — the tab
 * that started it, or a reloaded one — first gets a snapshot of the growing message, then
 * every event as it happens.
 * @module
 */
import type { Message } from "../store/types.ts";
import type { TurnEvent } from "./events.ts";

/** A listener for one conversation's events. */
export type TurnListener = (event: TurnEvent) => void;

/** The state of one running turn. */
export interface LiveTurn {
  conversationId: string;
  /** The assistant message being generated, kept current in memory. */
  message: Message;
  controller: AbortController;
  listeners: Set<TurnListener>;
  /** Settles when the turn has ended and its last state is persisted. */
  done: Promise<void>;
}

/** Running turns by conversation id. */
export type LiveTurns = Map<string, LiveTurn>;

/** Sends an event to every listener; a throwing listener is dropped, not fatal. */
export function publish(turn: LiveTurn, event: TurnEvent): void {
  for (const listener of turn.listeners) {
    try {
      listener(event);
    } catch {
      turn.listeners.delete(listener);
    }
  }
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
  listener({ type: "snapshot", message: { ...turn.message } });
  turn.listeners.add(listener);
  return () => turn.listeners.delete(listener);
}

/**
 * Encodes events as a Server-Sent Events body that ends after `end` (or `idle`), with a
 * heartbeat comment so proxies keep the connection open.
 */
export function eventStream(
  turns: LiveTurns,
  conversationId: string,
  signal: AbortSignal,
  heartbeatMs = 15_000,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      const heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": keep-alive\n\n"));
      }, heartbeatMs);
      const unsubscribe = subscribe(turns, conversationId, (event) => {
        if (closed) return;
        controller.enqueue(
          encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
        );
        if (event.type === "end" || event.type === "idle") queueMicrotask(close);
      });
      const onAbort = () => close();
      signal.addEventListener("abort", onAbort);
      cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
      };
    },
    cancel() {
      cleanup();
    },
  });
}
