/**
 * What a turn interrupted by a crash leaves behind, made final at the next start: the store
 * marks the message `stopped`; this ends every action call it recorded as unfinished, so no
 * card stays "running" or "waiting for approval" forever.
 * @module
 */
import type { ActionCall } from "../tools/call.ts";
import type { ActionMeta } from "./action_types.ts";

/** The error an action call gets when rungpt stopped before it finished. */
export const INTERRUPTED_ERROR = "interrupted: rungpt stopped before this action finished";

const UNFINISHED: ReadonlySet<ActionCall["status"]> = new Set([
  "pending",
  "awaiting_approval",
  "running",
]);

/**
 * `meta` with every unfinished call in `meta.actions` cancelled, naming the interruption;
 * finished calls and other fields are kept. For `Store.recoverInterrupted`.
 *
 * @example
 * ```ts
 * await store.recoverInterrupted(finishInterruptedCalls);
 * ```
 */
export function finishInterruptedCalls(meta: Record<string, unknown>): Record<string, unknown> {
  const { actions } = meta as ActionMeta;
  if (!Array.isArray(actions)) return meta;
  return {
    ...meta,
    actions: actions.map((call) =>
      call && UNFINISHED.has(call.status)
        ? { ...call, status: "cancelled", error: INTERRUPTED_ERROR }
        : call
    ),
  };
}
