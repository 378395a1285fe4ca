/**
 * The browser's client for the plugin manager API (`/api/plugins…`): listing, enabling,
 * settings, removal, and install/update jobs followed over Server-Sent Events. Every call
 * rejects with the {@linkcode ApiError} of lib/ui/api.ts, carrying the server's message.
 * @module
 */
import type { ConsentSummary } from "../plugins/consent.ts";
import type { JobEvent, JobRequest } from "../plugins/jobs.ts";
import type { LogEntry } from "../plugins/registry.ts";
import type { PluginView } from "../plugins/views.ts";
import { api } from "./api.ts";

/** `JobRequest`: install a source (`user/repo[@ref]`, a URL, a folder), or update a plugin. */
export type { ConsentSummary, JobEvent, JobRequest, LogEntry, PluginView };

/** A setting's new value; `null` clears it (back to the default, or unset for a secret). */
export type SettingInput = string | number | boolean | null;

const plugin = (name: string) => `/api/plugins/${encodeURIComponent(name)}`;
const job = (id: string) => `/api/plugins/jobs/${encodeURIComponent(id)}`;

/** Installed plugins, sorted by name. */
export const listPlugins = (): Promise<PluginView[]> =>
  api<{ plugins: PluginView[] }>("GET", "/api/plugins").then((r) => r.plugins);

/** One plugin with its recent log lines. */
export const getPlugin = (name: string): Promise<{ plugin: PluginView; logs: LogEntry[] }> =>
  api("GET", plugin(name));

/** Enables or disables a plugin; returns its new view. */
export const setPluginEnabled = (name: string, enabled: boolean): Promise<PluginView> =>
  api<{ plugin: PluginView }>("PATCH", plugin(name), { enabled }).then((r) => r.plugin);

/** Removes a plugin, its files and its settings. */
export const removePlugin = (name: string): Promise<void> => api<void>("DELETE", plugin(name));

/**
 * Sets settings (`null` clears one); returns the plugin's new view. Secrets never come back:
 * the view's `isSet` tells whether one is stored.
 *
 * @example
 * ```ts
 * await savePluginSettings("weather", { units: "imperial", api_token: null });
 * ```
 */
export const savePluginSettings = (
  name: string,
  values: Record<string, SettingInput>,
): Promise<PluginView> =>
  api<{ plugin: PluginView }>("PUT", `${plugin(name)}/config`, { values }).then((r) => r.plugin);

/**
 * Sets how much the plugin's data dir may hold; `null` restores the default.
 *
 * @example
 * ```ts
 * await savePluginQuota("notes", { bytes: 500 * 1024 * 1024, files: 50_000 });
 * ```
 */
export const savePluginQuota = (
  name: string,
  quota: { bytes: number; files: number } | null,
): Promise<PluginView> =>
  api<{ plugin: PluginView }>("PUT", `${plugin(name)}/quota`, { quota }).then((r) => r.plugin);

/** Starts an install or update job; returns its id. */
export const startJob = (request: JobRequest): Promise<string> =>
  api<{ jobId: string }>("POST", "/api/plugins/jobs", request).then((r) => r.jobId);

/** Answers a job that waits for consent. */
export const answerConsent = (id: string, allow: boolean): Promise<void> =>
  api<{ ok: boolean }>("POST", `${job(id)}/consent`, { allow }).then(() => {});

/** Cancels a running job (e.g. a clone that takes too long). */
export const cancelJob = (id: string): Promise<void> =>
  api<{ ok: boolean }>("POST", `${job(id)}/cancel`).then(() => {});

/** Callbacks of {@linkcode followJob}. */
export interface JobHandlers {
  /** (Re)connected: the server replays every event from the start, so drop what was shown. */
  onReset(): void;
  onEvent(event: JobEvent): void;
  /**
   * The connection dropped. With `gaveUp` false the browser retries on its own; true means
   * the server refused the stream (e.g. the job is gone) and nothing more will come.
   */
  onConnectionError?(gaveUp: boolean): void;
}

const JOB_EVENTS = ["progress", "consent", "done", "error"] as const;

/**
 * Follows a job's events until `done` or `error`; returns a function that stops early.
 * Browser only.
 *
 * @example
 * ```ts
 * const stop = followJob(id, { onReset: () => (steps = []), onEvent: (e) => steps.push(e) });
 * ```
 */
export function followJob(id: string, handlers: JobHandlers): () => void {
  const source = new EventSource(`${job(id)}/events`);
  let closed = false;
  const close = () => {
    closed = true;
    source.close();
  };
  source.onopen = () => {
    if (!closed) handlers.onReset();
  };
  for (const type of JOB_EVENTS) {
    source.addEventListener(type, (e) => {
      if (closed) return;
      let event: JobEvent;
      try {
        event = JSON.parse((e as MessageEvent<string>).data) as JobEvent;
      } catch {
        return; // Skipped; a reconnect replays everything.
      }
      if (!event || typeof event !== "object" || event.type !== type) return;
      // Close before the server hangs up, or EventSource would reconnect and replay.
      if (type === "done" || type === "error") close();
      handlers.onEvent(event);
    });
  }
  source.onerror = () => {
    if (closed) return;
    const gaveUp = source.readyState === EventSource.CLOSED;
    if (gaveUp) close();
    handlers.onConnectionError?.(gaveUp);
  };
  return close;
}
