/**
 * Pure helpers of the action cards: where cards go in a message's text, how a call update
 * merges into the list, and the words and durations the cards show. No DOM.
 * @module
 */
import type { ActionCall, ActionStatus } from "../tools/call.ts";
import type { MessageStatus } from "../store/types.ts";

/** A run of message text followed by the calls the model made right after it. */
export interface MessagePart {
  text: string;
  calls: ActionCall[];
}

/**
 * Splits a message's visible text at its calls' offsets: each part is the text up to an
 * offset, then the calls made there. Offsets are clamped to the text; calls at the same
 * offset keep their order; the last part holds the text after the last call (no calls).
 *
 * @example
 * ```ts
 * splitAtOffsets("Let me look. Done.", [{ ...call, offset: 12 }]);
 * // [{ text: "Let me look.", calls: [call] }, { text: " Done.", calls: [] }]
 * ```
 */
export function splitAtOffsets(content: string, calls: readonly ActionCall[]): MessagePart[] {
  const clamp = (n: number) =>
    Number.isFinite(n) ? Math.max(0, Math.min(content.length, Math.floor(n))) : content.length;
  // A stable sort: calls made at one offset stay in the order the model made them.
  const sorted = calls.map((call, i) => ({ call, at: clamp(call.offset), i }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const parts: MessagePart[] = [];
  let from = 0;
  for (const { call, at } of sorted) {
    const last = parts[parts.length - 1];
    if (last && at === from) last.calls.push(call);
    else parts.push({ text: content.slice(from, at), calls: [call] });
    from = at;
  }
  parts.push({ text: content.slice(from), calls: [] });
  return parts;
}

/**
 * The list with `call` added, or replacing the call with the same id. Returns the same array
 * when nothing changed, so a repeated event does not re-render.
 *
 * @example
 * ```ts
 * const next = upsertCall(calls, { ...calls[0], status: "done", result: "42" });
 * ```
 */
export function upsertCall(calls: readonly ActionCall[], call: ActionCall): ActionCall[] {
  const i = calls.findIndex((c) => c.id === call.id);
  if (i === -1) return [...calls, call];
  if (JSON.stringify(calls[i]) === JSON.stringify(call)) return calls as ActionCall[];
  const next = calls.slice();
  next[i] = call;
  return next;
}

/** The calls recorded in a message's `meta` (malformed entries skipped; none when absent). */
export function callsFromMeta(meta: Record<string, unknown> | null | undefined): ActionCall[] {
  const list = meta?.actions;
  return Array.isArray(list) ? list.filter(isCall) : [];
}

function isCall(v: unknown): v is ActionCall {
  const c = v as ActionCall | null;
  return !!c && typeof c === "object" && typeof c.id === "string" && typeof c.name === "string" &&
    typeof c.status === "string";
}

const STATUS_TEXT: Record<ActionStatus, string> = {
  pending: "pending",
  awaiting_approval: "waiting for approval",
  running: "running",
  done: "done",
  error: "error",
  denied: "denied",
  cancelled: "cancelled",
};

/** The word a card shows for a status (also its accessible status text). */
export function statusText(status: ActionStatus): string {
  return STATUS_TEXT[status] ?? String(status);
}

/** Whether a call can still change. */
export function isActive(status: ActionStatus): boolean {
  return status === "pending" || status === "awaiting_approval" || status === "running";
}

/**
 * A short human duration: `"320 ms"`, `"4.2 s"`, `"2 min 5 s"`.
 *
 * @example
 * ```ts
 * formatDuration(4210); // "4.2 s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** How long a finished call took, or `null` while it runs or when its times are unknown. */
export function callDuration(call: ActionCall): number | null {
  if (typeof call.startedAt !== "number" || typeof call.endedAt !== "number") return null;
  return Math.max(0, call.endedAt - call.startedAt);
}

/**
 * What a running call's card shows: the time it has run, in whole seconds so a ticking clock
 * does not jitter, and its time limit when known.
 *
 * @example
 * ```ts
 * runningTime({ ...call, startedAt: 1_000, timeoutMs: 30_000 }, 5_400); // "4 s of 30 s limit"
 * ```
 */
export function runningTime(call: ActionCall, now: number): string | null {
  if (call.status !== "running" || typeof call.startedAt !== "number") return null;
  const elapsed = wholeSeconds(Math.max(0, now - call.startedAt));
  const limit = typeof call.timeoutMs === "number" && call.timeoutMs > 0
    ? ` of ${wholeSeconds(call.timeoutMs)} limit`
    : "";
  return elapsed + limit;
}

/** `"45 s"`, `"2 min"`, `"2 min 5 s"`: a time in whole seconds, rounded down. */
function wholeSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
}

/** Arguments as indented JSON (strings the model wrote that were not JSON stay as written). */
export function prettyArgs(args: unknown): string {
  if (typeof args === "string") return args;
  if (args === undefined) return "";
  try {
    return JSON.stringify(args, null, 2);
  } catch {
    return String(args);
  }
}

/** The first `max` characters of a long text, and whether it was cut. */
export function truncate(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  return { text: text.slice(0, max), cut: true };
}

/** The key of a call in an answered-set: call ids are unique only within their message. */
export function approvalKey(messageId: string, callId: string): string {
  return `${messageId}/${callId}`;
}

/** What {@linkcode nextApproval} needs of a message. */
export interface ApprovalSource {
  id: string;
  status: MessageStatus;
  calls: readonly ActionCall[];
}

/**
 * The first call of a message waiting for the user's approval, skipping calls already
 * answered (keys from {@linkcode approvalKey}) whose update has not arrived yet. Only a
 * message that is still streaming can wait: a call left waiting in a finished or
 * interrupted message is never asked about.
 *
 * @example
 * ```ts
 * nextApproval({ id: "m2", status: "streaming", calls }, new Set([approvalKey("m2", "act_1")]));
 * ```
 */
export function nextApproval(
  message: ApprovalSource,
  answered: ReadonlySet<string> = new Set(),
): ActionCall | null {
  if (message.status !== "streaming") return null;
  for (const c of message.calls) {
    if (c.status === "awaiting_approval" && !answered.has(approvalKey(message.id, c.id))) return c;
  }
  return null;
}
