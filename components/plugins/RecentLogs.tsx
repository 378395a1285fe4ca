/**
 * The collapsible "Recent logs" section of a card (a plugin's or an MCP server's): its lines
 * are fetched when it is opened, and again with "Refresh logs".
 * @module
 */
import { useSignal } from "@preact/signals";

/** A log line; `level` when the source has levels. */
export interface LogLine {
  time: number;
  message: string;
  level?: string;
}

/** Props of {@linkcode RecentLogs}. */
export interface RecentLogsProps {
  load(): Promise<readonly LogLine[]>;
  /** Said when there is nothing to show. */
  empty?: string;
}

/** A `<details>` that loads and lists log lines. */
export function RecentLogs({ load, empty }: RecentLogsProps) {
  const logs = useSignal<readonly LogLine[] | null>(null);
  const error = useSignal<string | null>(null);
  const refresh = async () => {
    error.value = null;
    try {
      logs.value = await load();
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  return (
    <details
      class="plugin-logs"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open) void refresh();
      }}
    >
      <summary>Recent logs</summary>
      {error.value && <p class="notice notice-error" role="alert">{error.value}</p>}
      {logs.value === null && !error.value && <p class="muted">Loading…</p>}
      {logs.value?.length === 0 && (
        <p class="muted">{empty ?? "Nothing logged since the server started."}</p>
      )}
      {logs.value && logs.value.length > 0 && (
        <ol class="log-lines">
          {logs.value.map((l, i) => (
            <li key={i} class={l.level ? `log-${l.level}` : undefined}>
              <time dateTime={new Date(l.time).toISOString()}>
                {new Date(l.time).toLocaleTimeString()}
              </time>{" "}
              {l.level && <span class="log-level">{l.level}</span>} {l.message}
            </li>
          ))}
        </ol>
      )}
      <button type="button" class="btn btn-small" onClick={() => void refresh()}>
        Refresh logs
      </button>
    </details>
  );
}
