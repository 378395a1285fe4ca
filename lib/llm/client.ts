/**
 * Builds (and caches) the `openai` client for a provider configuration.
 *
 * @module
 */
import OpenAI from "openai";
import { type ErrorContext, LlmError } from "./errors.ts";
import { upstreamFetch } from "./http1.ts";

/** OpenAI's own endpoint, used when no base URL is configured. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** Sent when a local server (Ollama, llama.cpp, vLLM, LM Studio) needs no key. */
export const PLACEHOLDER_KEY = "no-key";

/** Default time to wait for response headers, and between stream chunks. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/** Where and how to reach a model provider. */
export interface ClientConfig {
  /** The API key; `null` for servers that need none. */
  apiKey: string | null;
  /** The OpenAI-compatible base URL (ending in `/v1`); `null` for OpenAI itself. */
  baseURL: string | null;
  /** How long to wait for a response to start (default {@linkcode DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

const cache = new Map<string, OpenAI>();
const CACHE_LIMIT = 16;

/**
 * Returns an `openai` client for `cfg`; equal configs share one client.
 *
 * Retries are off: a failed request is shown to the user at once instead of waiting out
 * back-offs (the SDK honours `retry-after`, which can be minutes). Throws an
 * {@linkcode LlmError} of kind `no_key` when talking to OpenAI without a key, and `bad_request`
 * for a base URL that is not an http(s) URL.
 *
 * @example
 * ```ts
 * const local = createClient({ apiKey: null, baseURL: "http://127.0.0.1:11434/v1" });
 * const openai = createClient({ apiKey: Deno.env.get("OPENAI_API_KEY") ?? null, baseURL: null });
 * ```
 */
export function createClient(cfg: ClientConfig): OpenAI {
  const baseURL = normalizeBaseURL(cfg.baseURL);
  const apiKey = cfg.apiKey?.trim() || null;
  if (!apiKey && baseURL === OPENAI_BASE_URL) {
    throw new LlmError(
      "no_key",
      "No API key is set. Add your OpenAI key in Settings, or set a base URL for a local server.",
    );
  }
  const timeout = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new LlmError("bad_request", `timeoutMs must be a positive integer, got ${timeout}.`);
  }
  const key = JSON.stringify([apiKey, baseURL, timeout]);
  const cached = cache.get(key);
  if (cached) return cached;
  const client = new OpenAI({
    apiKey: apiKey ?? PLACEHOLDER_KEY,
    baseURL,
    timeout,
    maxRetries: 0,
    // Plain-http upstreams (local servers) stream through a raw HTTP/1.1 reader: see http1.ts.
    fetch: upstreamFetch,
    // Set explicitly so nothing is picked up from OPENAI_* environment variables.
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: "off",
  });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, client);
  return client;
}

/**
 * The facts about `client` that make error messages clear (see `toLlmError`).
 *
 * @example
 * ```ts
 * throw toLlmError(e, errorContext(client, "gpt-4o"));
 * ```
 */
export function errorContext(client: OpenAI, model?: string): ErrorContext {
  return {
    baseURL: client.baseURL,
    apiKey: client.apiKey,
    timeoutMs: client.timeout,
    model,
  };
}

function normalizeBaseURL(raw: string | null): string {
  const text = raw?.trim();
  if (!text) return OPENAI_BASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LlmError("bad_request", `The base URL '${text}' is not a valid URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LlmError(
      "bad_request",
      `The base URL '${text}' must start with http:// or https://.`,
    );
  }
  return url.href.replace(/\/+$/, "");
}
