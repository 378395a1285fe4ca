/**
 * How action calls are recorded on an assistant message (`message.meta.actions`) and shown
 * as cards. One assistant message holds a whole turn: the text of every round (tags removed)
 * in `content`, and each call with the `offset` in `content` where the model made it.
 * @module
 */

/** Where a call is in its life. */
export type ActionStatus =
  | "pending" // parsed, waiting for its turn or for validation
  | "awaiting_approval" // waiting for the user to allow or deny
  | "running"
  | "done"
  | "error"
  | "denied"
  | "cancelled";

/** One action call, as persisted and as sent to the UI. */
export interface ActionCall {
  /** Unique within the message (the tool_call id in native mode). */
  id: string;
  /** `plugin.action`. */
  name: string;
  /** The arguments as the model wrote them (parsed when valid JSON). */
  args: unknown;
  status: ActionStatus;
  /** The plugin's output (text), when done. */
  result?: string;
  /** Why it failed or was refused. */
  error?: string;
  /** Position in the message's visible `content` where the call was made. */
  offset: number;
  /** Which round of the turn (0-based) made the call. */
  round: number;
  /** How the model called it. */
  mode: "tags" | "native";
  startedAt?: number;
  endedAt?: number;
  /** For the approval dialog: what the action may touch. */
  access?: ActionAccess;
}

/** What an action's plugin may touch, shown when asking for approval. */
export interface ActionAccess {
  apis: string[];
  hosts: string[];
  paths: { path: string; access: "read" | "read-write" }[];
}

/** The user's answer to an approval request. */
export type ApprovalDecision = "once" | "always" | "deny";

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
