/**
 * The state a plugin or MCP server card keeps for its buttons: busy while a request runs, the
 * last error, the remove confirmation (its Cancel focused when it appears, so Enter does not
 * remove by accident), and `run`, which wraps a request in that state.
 * @module
 */
import { type Signal, useSignal } from "@preact/signals";
import { type RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** What {@linkcode useCardActions} gives a card. */
export interface CardActions {
  busy: Signal<boolean>;
  error: Signal<string | null>;
  confirmRemove: Signal<boolean>;
  cancelRemove: RefObject<HTMLButtonElement>;
  /** Runs `fn`, showing its error on the card; resolves whether it succeeded. */
  run(fn: () => Promise<void>): Promise<boolean>;
}

/** The card's button state; call once per card render, as any hook. */
export function useCardActions(): CardActions {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const confirmRemove = useSignal(false);
  const cancelRemove = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmRemove.value) cancelRemove.current?.focus();
  }, [confirmRemove.value]);
  const run = async (fn: () => Promise<void>): Promise<boolean> => {
    busy.value = true;
    error.value = null;
    try {
      await fn();
      return true;
    } catch (e) {
      error.value = (e as Error).message;
      return false;
    } finally {
      busy.value = false;
    }
  };
  return { busy, error, confirmRemove, cancelRemove, run };
}
