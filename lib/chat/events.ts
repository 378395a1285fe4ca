/**
 * The events a running turn streams to the browser (as Server-Sent Events on
 * `GET /api/conversations/:id/events`). Each SSE `event:` name is the `type` below and
 * its `data:` is the JSON of the whole event object.
 * @module
 */
import type { Message } from "../store/types.ts";
import type { ActionCall } from "../tools/call.ts";

/**
 * Sent first on every subscription: the message being generated as it stands now, so a
 * client that (re)attaches mid-stream starts from the right text.
 */
export interface SnapshotEvent {
  type: "snapshot";
  message: Message;
}

/** New text appended to the growing assistant message. */
export interface DeltaEvent {
  type: "delta";
  messageId: string;
  text: string;
}

/** A message was created or changed as a whole (e.g. a new assistant message, final status). */
export interface MessageEvent {
  type: "message";
  message: Message;
}

/** The turn ended (complete, stopped or failed); the stream closes after this. */
export interface EndEvent {
  type: "end";
  /** Final status of the last assistant message. */
  status: "complete" | "stopped" | "error";
  /** Human-readable reason when status is `error` (bad key, upstream down, rate limited...). */
  error?: string;
  /** Machine-readable kind of error, for UI hints (e.g. "auth" links to settings). */
  errorKind?: string;
}

/**
 * An action call appeared or changed (status, result). `awaiting_approval` asks the UI to
 * show the approval dialog; it answers with POST `/api/conversations/:id/approvals/:callId`.
 */
export interface ActionEvent {
  type: "action";
  messageId: string;
  call: ActionCall;
}

/** Sent instead of a snapshot when no turn is running for the conversation. */
export interface IdleEvent {
  type: "idle";
}

/** Anything the events endpoint sends. */
export type TurnEvent =
  | SnapshotEvent
  | DeltaEvent
  | MessageEvent
  | ActionEvent
  | EndEvent
  | IdleEvent;
