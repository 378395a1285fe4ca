/**
 * One call of a tool, as it goes through the catalogue (validated, approved, run) and as the
 * chat persists it on its assistant message and shows it as a card.
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
  /** How long the call may run once started, in milliseconds, when its source bounds it. */
  timeoutMs?: number;
  /** For the approval dialog: what the action may touch. */
  access?: ToolAccess;
}

/** What a tool's owner may touch, shown when asking for approval. */
export interface ToolAccess {
  apis: string[];
  hosts: string[];
  paths: { path: string; access: "read" | "read-write" }[];
  /** What the user must know first, e.g. that its owner runs outside any sandbox. */
  warning?: string;
}

/** The user's answer to an approval request. */
export type ApprovalDecision = "once" | "always" | "deny";
