/**
 * One action call inside an assistant message: its name, live status, duration, arguments
 * and result or error. A `<details>` named "Action <name>", so the whole card folds away.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { ActionCall, ActionStatus } from "../../lib/tools/call.ts";
import { Icon } from "../Icon.tsx";
import {
  callDuration,
  formatDuration,
  isActive,
  prettyArgs,
  runningTime,
  statusText,
  truncate,
} from "../../lib/ui/actions.ts";

/** Longest output shown before "Show all". */
const OUTPUT_PREVIEW = 1500;

/** Props of {@linkcode ActionCard}. */
export interface ActionCardProps {
  call: ActionCall;
}

/**
 * A card for one call.
 *
 * @example
 * ```tsx
 * <ActionCard call={{ id: "c1", name: "echo.upper", args: { text: "hi" }, status: "done", ... }} />
 * ```
 */
export function ActionCard({ call }: ActionCardProps) {
  const open = useSignal(true);
  const duration = callDuration(call);
  const status = statusText(call.status);
  return (
    <details
      class="action-card"
      data-status={call.status}
      aria-label={`Action ${call.name}`}
      open={open.value}
      onToggle={(e) => (open.value = e.currentTarget.open)}
    >
      <summary class="action-summary">
        <StatusIcon status={call.status} />
        <span class="action-name">{call.name}</span>
        <span class="action-status" aria-live="polite">{status}</span>
        {duration !== null && !isActive(call.status) && (
          <span class="action-duration" title="Duration">{formatDuration(duration)}</span>
        )}
        {call.status === "running" && <Elapsed call={call} />}
      </summary>
      <div class="action-body">
        <details class="action-args">
          <summary>Arguments</summary>
          <pre class="action-pre"><code>{prettyArgs(call.args) || "(none)"}</code></pre>
        </details>
        {call.result !== undefined && call.result !== "" && (
          <Output label="Result" text={call.result} />
        )}
        {call.error && (
          // A refusal or a stop is the user's doing, not a failure: no alarm colours.
          call.status === "denied" || call.status === "cancelled"
            ? <Output label="Reason" text={call.error} />
            : <Output label="Error" text={call.error} error />
        )}
        {call.status === "done" && !call.result && (
          <p class="action-empty">The action returned no output.</p>
        )}
      </div>
    </details>
  );
}

/** A running call's time so far and its limit, ticking every second. */
function Elapsed({ call }: { call: ActionCall }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const text = runningTime(call, now);
  // A timer role is not announced at every tick.
  return text ? <span class="action-elapsed" role="timer">{text}</span> : null;
}

/** A result or error block, collapsible, long text cut with a "Show all" button. */
function Output({ label, text, error }: { label: string; text: string; error?: boolean }) {
  const all = useSignal(false);
  const shown = all.value ? { text: pretty(text), cut: false } : truncate(
    pretty(text),
    OUTPUT_PREVIEW,
  );
  return (
    <details class={`action-output${error ? " action-output-error" : ""}`} open>
      <summary>{label}</summary>
      <pre class="action-pre"><code>{shown.text}{shown.cut && "…"}</code></pre>
      {shown.cut && (
        <button type="button" class="btn btn-small" onClick={() => (all.value = true)}>
          Show all ({text.length.toLocaleString()} characters)
        </button>
      )}
    </details>
  );
}

/** JSON output indented for reading; anything else as it is. */
function pretty(text: string): string {
  const t = text.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return text;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return text;
  }
}

const ICONS: Record<ActionStatus, string> = {
  pending: "M12 7v5l3 2M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  awaiting_approval: "M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17.5v.01" +
    "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  running: "M12 3a9 9 0 1 0 9 9",
  done: "M8 12.5l3 3 5-6M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  error: "M9 9l6 6M15 9l-6 6M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  denied: "M5.6 5.6l12.8 12.8M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  cancelled: "M9 9h6v6H9zM12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
};

/** The status as a picture; the status word next to it is what assistive technology reads. */
function StatusIcon({ status }: { status: ActionStatus }) {
  return (
    <Icon
      path={ICONS[status] ?? ICONS.pending}
      size={16}
      class={`action-icon action-icon-${status}`}
    />
  );
}
