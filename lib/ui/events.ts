/**
 * Subscribes to a conversation's running turn over Server-Sent Events
 * (`GET /api/conversations/:id/events`). Browser only.
 * @module
 */
import type { TurnEvent } from "../chat/events.ts";

const EVENT_TYPES = ["snapshot", "delta", "message", "action", "end", "idle"] as const;

/** Callbacks of {@linkcode subscribeTurn}. */
export interface TurnHandlers {
  /** Every event, parsed. */
  onEvent(ev: TurnEvent): void;
  /** The connection dropped; the browser retries on its own, and a new `snapshot` follows. */
  onConnectionError?(): void;
}

/**
 * Opens the event stream and calls `onEvent` for each event. The stream closes itself after
 * `end` or `idle`; call the returned function to close it earlier.
 *
 * @example
 * ```ts
 * const close = subscribeTurn(id, { onEvent: (ev) => applyTurnEvent(state, ev) });
 * ```
 */
export function subscribeTurn(conversationId: string, handlers: TurnHandlers): () => void {
  const source = new EventSource(`/api/conversations/${encodeURIComponent(conversationId)}/events`);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    source.close();
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (e) => {
      if (closed) return;
      let ev: TurnEvent;
      try {
        ev = JSON.parse((e as MessageEvent<string>).data) as TurnEvent;
      } catch {
        return; // A malformed event is skipped; the next snapshot resynchronises.
      }
      if (!ev || typeof ev !== "object") return;
      if (!("type" in ev)) (ev as { type: string }).type = type;
      // The turn is over: close before the server hangs up, or EventSource would reconnect.
      if (ev.type === "end" || ev.type === "idle") close();
      handlers.onEvent(ev);
    });
  }
  source.onerror = () => {
    if (!closed) handlers.onConnectionError?.();
  };
  return close;
}
