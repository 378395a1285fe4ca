/**
 * How action calls are recorded on an assistant message (`message.meta.actions`) and shown
 * as cards (each call is a {@linkcode ActionCall} of the tool catalogue). One assistant message holds a whole turn: the text of every round (tags removed)
 * in `content`, and each call with the `offset` in `content` where the model made it.
 * @module
 */

import type { ActionCall } from "../tools/call.ts";

/**
 * What rebuilds the model's view of a past turn: per round, the raw text the model wrote
 * (with its tags) and, in native mode, its tool calls.
 */
export interface RoundRecord {
  /** The model's raw text of this round, tags included. */
  raw: string;
  /** Ids of the calls made in this round, in order. */
  calls: string[];
}

/** `message.meta` of an assistant message that called actions. */
export interface ActionMeta {
  actions?: ActionCall[];
  rounds?: RoundRecord[];
  errorKind?: string;
}
