/**
 * One MCP server on /plugins: a region named after it with its source, its state (starting,
 * connected with N tools, failed with the reason, disabled), the "Enabled" switch, what it may
 * touch, the tail of its log and its full recent log, and "Remove" (which asks to confirm).
 * @module
 */
import { useCardActions } from "./card_actions.ts";
import type { McpServerView } from "../../lib/mcp/views.ts";
import { getMcpLog } from "../../lib/ui/mcp_api.ts";
import { McpGrantList, McpWarnings } from "./McpGrantList.tsx";
import { RecentLogs } from "./RecentLogs.tsx";

/** Props of {@linkcode McpServerCard}. */
export interface McpServerCardProps {
  server: McpServerView;
  /** Each rejects with a message to show on the card. */
  onToggle(enabled: boolean): Promise<void>;
  /** Starts it now (offered while it is enabled and not running). */
  onStart(): Promise<void>;
  onRemove(): Promise<void>;
}

/** Its state in words. */
export function stateText(s: McpServerView): string {
  switch (s.state) {
    case "disabled":
      return "Disabled";
    case "stopped":
      return "Not running: it starts when a chat needs its tools";
    case "starting":
      return "Starting…";
    case "connected":
      return `Connected, ${s.tools} tool${s.tools === 1 ? "" : "s"}`;
    case "failed":
      return `Failed: ${s.reason}`;
  }
}

/** An MCP server's card. */
export function McpServerCard(props: McpServerCardProps) {
  const s = props.server;
  const { busy, error, confirmRemove, cancelRemove, run } = useCardActions();
  const titleId = `mcp-${s.name}-title`;

  return (
    <section
      class={`plugin-card mcp-card${s.enabled ? "" : " is-disabled"}`}
      aria-labelledby={titleId}
      data-mcp-server={s.name}
    >
      <header class="plugin-head">
        <div>
          <h2 id={titleId}>{s.name}</h2>
          <span class="badge">MCP server</span>
        </div>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={s.enabled}
            disabled={busy.value}
            onChange={(e) => {
              const input = e.currentTarget;
              const enabled = input.checked;
              void run(() => props.onToggle(enabled)).then((ok) => {
                if (!ok) input.checked = !enabled; // the state the server still has
              });
            }}
          />
          <span>Enabled</span>
        </label>
      </header>
      <p class="plugin-source muted">
        From <code>{s.source}</code>
      </p>
      <p
        class={`mcp-state mcp-state-${s.state}`}
        role={s.state === "failed" ? "alert" : "status"}
        aria-label={`State of ${s.name}`}
      >
        {stateText(s)}
      </p>
      <McpWarnings server={s} />
      {error.value && <div class="notice notice-error" role="alert">{error.value}</div>}

      <h3>Permissions</h3>
      <McpGrantList server={s} />

      {s.logTail.length > 0 && (
        <>
          <h3>Last log lines</h3>
          <ol class="log-lines" aria-label={`Last log lines of ${s.name}`}>
            {s.logTail.map((l, i) => <li key={i}>{l.message}</li>)}
          </ol>
        </>
      )}
      <RecentLogs
        load={() => getMcpLog(s.name)}
        empty="Nothing logged: it has not run since rungpt started."
      />

      <div class="row-buttons plugin-buttons">
        {s.state === "stopped" && (
          <button
            type="button"
            class="btn"
            disabled={busy.value}
            onClick={() => void run(props.onStart)}
          >
            Start now
          </button>
        )}
        {confirmRemove.value
          ? (
            <div class="confirm" role="group" aria-label={`Remove ${s.name}?`}>
              <span>Remove {s.name}, its folder and its "Always allow" answers?</span>
              <button
                type="button"
                class="btn btn-danger btn-small"
                disabled={busy.value}
                onClick={() => void run(props.onRemove)}
              >
                Confirm remove
              </button>
              <button
                type="button"
                class="btn btn-small"
                ref={cancelRemove}
                onClick={() => (confirmRemove.value = false)}
              >
                Cancel
              </button>
            </div>
          )
          : (
            <button
              type="button"
              class="btn"
              disabled={busy.value}
              onClick={() => (confirmRemove.value = true)}
            >
              Remove
            </button>
          )}
      </div>
    </section>
  );
}
