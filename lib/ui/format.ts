/**
 * Small formatting helpers for the UI. Pure, no DOM.
 * @module
 */
import { stripMarkdown } from "./plain_text.ts";

/**
 * A short, human label for a timestamp relative to `now`: "just now", "5 min ago",
 * "3 h ago", "yesterday", else a date.
 *
 * @example
 * ```ts
 * relativeTime(Date.now() - 120_000); // "2 min ago"
 * ```
 */
export function relativeTime(ms: number, now: number = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return "yesterday";
  if (d < 7) return `${d} days ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Full date and time, for tooltips. Uses ISO-like text so server and browser agree. */
export function fullTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/**
 * The source URL of a model-supplied image when it may be loaded on request: `http(s)` or a
 * `data:image/...` URL. Anything else gives `null`.
 *
 * @example
 * ```ts
 * safeImageUrl("https://example.com/a.png"); // "https://example.com/a.png"
 * safeImageUrl("javascript:alert(1)"); // null
 * ```
 */
export function safeImageUrl(
  src: string | null | undefined,
  base = "http://localhost/",
): string | null {
  if (!src) return null;
  const trimmed = src.trim();
  if (/^data:image\/(png|gif|jpe?g|webp|avif);/i.test(trimmed)) return trimmed;
  try {
    const url = new URL(trimmed, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The label of the button that stands in for a remote image.
 *
 * @example
 * ```ts
 * loadImageLabel("https://img.example.com/x.png"); // "Load image from img.example.com"
 * ```
 */
export function loadImageLabel(src: string): string {
  if (src.startsWith("data:")) return "Load inline image";
  try {
    return `Load image from ${new URL(src).host}`;
  } catch {
    return "Load image";
  }
}

/** A conversation title to show, as text without markdown; empty titles read "New chat". */
export function displayTitle(title: string | null | undefined): string {
  const t = stripMarkdown(title ?? "").trim();
  return t || "New chat";
}

/**
 * Wraps `fn` so it runs `ms` after the last call. `cancel()` drops a pending call.
 *
 * @example
 * ```ts
 * const search = debounce((q: string) => console.log(q), 250);
 * search("a"); search("ab"); // logs "ab" once
 * ```
 */
export function debounce<A extends unknown[]>(
  fn: (...args: A) => void,
  ms: number,
): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wrapped = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
  wrapped.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return wrapped;
}

/** True when the error kind means "fix your settings" (bad or missing key). */
export function isSettingsError(kind: string | null | undefined): boolean {
  return kind === "auth" || kind === "no_key";
}

/** The remedy added to a key error whose own message does not say where to fix it. */
export const SETTINGS_REMEDY = "Check your API key in Settings.";

/**
 * A key error's text split around the one "Settings" that becomes a link to the Settings
 * page: the message's own mention when it has one, else that of {@linkcode SETTINGS_REMEDY}
 * appended, so the remedy is said once.
 *
 * @example
 * ```ts
 * settingsLinkParts("Rejected (401). Check it in Settings.");
 * // => { before: "Rejected (401). Check it in ", after: "." }
 * settingsLinkParts("Rejected (401).");
 * // => { before: "Rejected (401). Check your API key in ", after: "." }
 * ```
 */
export function settingsLinkParts(message: string): { before: string; after: string } {
  const text = /\bSettings\b/.test(message) ? message : `${message} ${SETTINGS_REMEDY}`;
  const at = text.search(/\bSettings\b/);
  return { before: text.slice(0, at), after: text.slice(at + "Settings".length) };
}

/**
 * The hint under Settings' model field once the server's model list was asked for: how many
 * models it has, or why they could not be listed (said once, for the page it is on: a
 * missing key points at the fields above, not at "Settings").
 *
 * @example
 * ```ts
 * modelListHint({ models: ["a", "b"] }); // "2 models available."
 * modelListHint({ models: [], error: "Cannot reach x." }); // "Could not list models: Cannot reach x. You can still type a model name."
 * ```
 */
export function modelListHint(
  list: { models: string[]; error?: string; kind?: string },
): string {
  if (list.kind === "no_key") {
    return "Add an API key, or a base URL for a local server, to list its models. You can still type a model name.";
  }
  if (list.error) {
    const reason = list.error.trim().replace(/[.\s]+$/, "");
    return `Could not list models: ${reason}. You can still type a model name.`;
  }
  const n = list.models.length;
  return `${n} model${n === 1 ? "" : "s"} available.`;
}

/**
 * What "Test connection" found, in one sentence: the models (the first few named), or the
 * provider's error as rungpt's server worded it.
 *
 * @example
 * ```ts
 * connectionTestText({ ok: true, baseURL: "http://h/v1", models: ["a", "b"] });
 * // "Connected to http://h/v1: 2 models (a, b)."
 * ```
 */
export function connectionTestText(
  test: { ok: true; baseURL: string; models: string[] } | { ok: false; error: string },
): string {
  if (!test.ok) return test.error;
  const n = test.models.length;
  if (n === 0) return `Connected to ${test.baseURL}, but it lists no models.`;
  const shown = test.models.slice(0, 5).join(", ");
  const more = n > 5 ? `, and ${n - 5} more` : "";
  return `Connected to ${test.baseURL}: ${n} model${n === 1 ? "" : "s"} (${shown}${more}).`;
}
