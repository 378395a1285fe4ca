/**
 * A plugin's recent log lines (what it wrote through `rungpt:log`, and its errors), fetched
 * when the section is opened.
 * @module
 */
import { useSignal } from "@preact/signals";
import { getPlugin, type LogEntry } from "../../lib/ui/plugins_api.ts";

/** The collapsible "Recent logs" section of a plugin's card. */
export function PluginLogs({ plugin }: { plugin: string }) {
  const logs = useSignal<LogEntry[] | null>(null);
  const error = useSignal<string | null>(null);
  const load = async () => {
    error.value = null;
    try {
      logs.value = (await getPlugin(plugin)).logs;
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  return (
    <details
      class="plugin-logs"
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open) void load();
      }}
    >
      <summary>Recent logs</summary>
      {error.value && <p class="notice notice-error" role="alert">{error.value}</p>}
      {logs.value === null && !error.value && <p class="muted">Loading…</p>}
      {logs.value?.length === 0 && <p class="muted">Nothing logged since the server started.</p>}
      {logs.value && logs.value.length > 0 && (
        <ol class="log-lines">
          {logs.value.map((l, i) => (
            <li key={i} class={`log-${l.level}`}>
              <time dateTime={new Date(l.time).toISOString()}>
                {new Date(l.time).toLocaleTimeString()}
              </time>{" "}
              <span class="log-level">{l.level}</span> {l.message}
            </li>
          ))}
        </ol>
      )}
      <button type="button" class="btn btn-small" onClick={() => void load()}>Refresh logs</button>
    </details>
  );
}
