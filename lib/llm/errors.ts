/**
 * One error type for everything that can go wrong talking to a model, with a message a person
 * can act on. SDK errors are mapped by {@linkcode toLlmError}; the API key never appears in a
 * message.
 *
 * @module
 */
import OpenAI from "openai";
import { UpstreamLimitError } from "./response_limits.ts";

/** What went wrong, coarse enough for the UI to pick a remedy. */
export type LlmErrorKind =
  | "no_key"
  | "auth"
  | "rate_limit"
  | "unreachable"
  | "timeout"
  | "bad_request"
  /** A 400 about image input, to a request that carried images: the model reads no images. */
  | "images_unsupported"
  | "not_found"
  | "upstream"
  | "aborted"
  | "protocol";

/** Extra facts about an {@linkcode LlmError}. */
export interface LlmErrorDetails {
  /** HTTP status from the upstream, when there was a response. */
  status?: number;
  /** Seconds the provider asked us to wait (rate limits). */
  retryAfter?: number;
  /** The provider's error code, e.g. `context_length_exceeded`. */
  code?: string;
  /** The request field the provider named as the problem, e.g. `tools`. */
  param?: string;
}

/**
 * An error from the model layer.
 *
 * @example
 * ```ts
 * try {
 *   await completeChat(client, params, signal);
 * } catch (e) {
 *   if (e instanceof LlmError && e.kind === "auth") showSettings(e.message);
 * }
 * ```
 */
export class LlmError extends Error {
  /** What went wrong. */
  readonly kind: LlmErrorKind;
  /** HTTP status from the upstream, when there was a response. */
  declare readonly status?: number;
  /** Seconds the provider asked us to wait (rate limits). */
  declare readonly retryAfter?: number;
  /** The provider's error code, e.g. `context_length_exceeded`. */
  declare readonly code?: string;
  /** The request field the provider named as the problem, e.g. `tools`. */
  declare readonly param?: string;

  constructor(kind: LlmErrorKind, message: string, details: LlmErrorDetails = {}) {
    super(message);
    this.name = "LlmError";
    this.kind = kind;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.code !== undefined) this.code = details.code;
    if (details.param !== undefined) this.param = details.param;
  }
}

/** What {@linkcode toLlmError} knows about the request, for clearer messages. */
export interface ErrorContext {
  /** The upstream base URL (shown to the user). */
  baseURL?: string;
  /** The model requested (named in "not found" messages). */
  model?: string;
  /** The API key in use: removed from any text that reaches a message. */
  apiKey?: string | null;
  /** The client timeout, for the timeout message. */
  timeoutMs?: number;
}

const DEFAULT_BASE = "https://api.openai.com/v1";

/**
 * Maps anything thrown by the `openai` SDK (or fetch, or an abort) to an {@linkcode LlmError}.
 * An `LlmError` passes through unchanged.
 *
 * @example
 * ```ts
 * const err = toLlmError(e, { baseURL: "http://127.0.0.1:11434/v1", model: "llama3" });
 * err.kind; // "unreachable"
 * err.message; // "Cannot reach http://127.0.0.1:11434/v1: connection refused. Is the server running?"
 * ```
 */
export function toLlmError(e: unknown, ctx: ErrorContext = {}): LlmError {
  if (e instanceof LlmError) return e;
  const where = displayURL(ctx.baseURL);
  const clean = (text: string) => redact(text, ctx.apiKey);

  if (e instanceof OpenAI.APIUserAbortError || isAbortError(e)) {
    return new LlmError("aborted", "The request was cancelled.");
  }
  if (e instanceof OpenAI.APIConnectionTimeoutError) {
    const after = ctx.timeoutMs ? ` within ${formatDuration(ctx.timeoutMs)}` : "";
    return new LlmError("timeout", `No response from ${where}${after}. Is the server overloaded?`);
  }
  if (e instanceof OpenAI.APIConnectionError) {
    return new LlmError(
      "unreachable",
      `Cannot reach ${where}: ${connectionReason(e)}. Is the server running?`,
    );
  }
  if (e instanceof OpenAI.APIError) {
    const body = e.error as UpstreamErrorBody | undefined;
    // An error object sent inside a 200 stream has no status: its type and code tell it.
    const status = typeof e.status === "number" ? e.status : upstreamErrorStatus(body ?? {});
    const code = typeof e.code === "string" ? e.code : undefined;
    const param = typeof e.param === "string" ? e.param : undefined;
    const upstream = clean(upstreamMessage(e));
    const said = upstream ? `: ${upstream}` : ".";
    const details = { status, code, param };
    if (status === undefined) {
      return new LlmError("upstream", `The provider at ${where} reported an error${said}`, details);
    }
    if (status === 401) {
      // The upstream text may echo part of the key, so it is left out.
      return new LlmError(
        "auth",
        `The API key was rejected by ${where} (401). Check it in Settings.`,
        details,
      );
    }
    if (status === 403) {
      return new LlmError(
        "auth",
        `The API key is not allowed to do this at ${where} (403)${said} Check it in Settings.`,
        details,
      );
    }
    if (status === 404) {
      const message = ctx.model
        ? `The model '${ctx.model}' was not found at ${where} (404). Pick another model, or check the base URL.`
        : `Not found at ${where} (404)${said} Check the base URL.`;
      return new LlmError("not_found", message, details);
    }
    if (status === 429) {
      const retryAfter = retryAfterSeconds(e.headers) ?? retryAfterInText(upstream);
      const when = retryAfter !== undefined ? `retry in ${retryAfter} s` : "retry in a moment";
      const message = code === "insufficient_quota"
        ? `The provider at ${where} reports the quota is used up (429)${said}`
        : `Rate limited by the provider; ${when}.`;
      return new LlmError("rate_limit", message, { ...details, retryAfter });
    }
    if (status >= 400 && status < 500) {
      return new LlmError(
        "bad_request",
        `The provider at ${where} rejected the request (${status})${said}`,
        details,
      );
    }
    return new LlmError("upstream", `The provider at ${where} failed (${status})${said}`, details);
  }
  // A limit rungpt enforces on what it reads: its message names the limit and the server.
  if (e instanceof UpstreamLimitError) return new LlmError("protocol", e.message);
  if (e instanceof SyntaxError) {
    return new LlmError("protocol", `The provider at ${where} sent data that is not valid JSON.`);
  }
  const text = e instanceof Error ? e.message : String(e);
  return new LlmError("protocol", `Unexpected error talking to ${where}: ${clean(text)}`);
}

/** An OpenAI-style error object, as sent in an error response or inside a stream. */
export interface UpstreamErrorBody {
  type?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * The HTTP status an error object stands for, from its `type` and `code`: what a provider that
 * reports a failure inside a `200` stream (`data: {"error": …}`) would have answered as a
 * status. `undefined` when neither says. {@linkcode toLlmError} maps the result exactly as it
 * maps a real status, so an error is the same whichever way it arrived.
 *
 * @example
 * ```ts
 * upstreamErrorStatus({ type: "tokens", code: "rate_limit_exceeded" }); // 429
 * upstreamErrorStatus({ type: "invalid_request_error", code: "context_length_exceeded" }); // 400
 * upstreamErrorStatus({ type: "server_error" }); // 500
 * ```
 */
export function upstreamErrorStatus(body: UpstreamErrorBody): number | undefined {
  const words = [body.code, body.type]
    .filter((w): w is string | number => typeof w === "string" || typeof w === "number")
    .map((w) => String(w).toLowerCase());
  for (const word of words) {
    // A numeric code (some servers send `"code": 429`) is the status itself.
    if (/^[45]\d\d$/.test(word)) return Number(word);
    const status = STATUS_BY_WORD[word];
    if (status !== undefined) return status;
  }
  return undefined;
}

/** Error types and codes of OpenAI and compatible servers (vLLM, Anthropic-style), by status. */
const STATUS_BY_WORD: Record<string, number> = {
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  insufficient_quota: 429,
  requests: 429,
  tokens: 429,
  too_many_requests: 429,
  invalid_api_key: 401,
  authentication_error: 401,
  unauthorized: 401,
  permission_error: 403,
  permission_denied: 403,
  forbidden: 403,
  model_not_found: 404,
  not_found_error: 404,
  not_found: 404,
  context_length_exceeded: 400,
  invalid_request_error: 400,
  bad_request: 400,
  badrequesterror: 400,
  invalid_value: 400,
  overloaded_error: 503,
  server_overloaded: 503,
  overloaded: 503,
  service_unavailable: 503,
  server_error: 500,
  api_error: 500,
  internal_error: 500,
  internal_server_error: 500,
};

/**
 * True for a failure that suggests the upstream broke while streaming rather than on the
 * request: it failed (5xx), or its stream was malformed or cut off. Some servers do this on
 * streamed tool calls; asking for the same answer without streaming may then work.
 *
 * @example
 * ```ts
 * isStreamFailure(new LlmError("upstream", "failed", { status: 500 })); // true
 * isStreamFailure(new LlmError("bad_request", "no", { status: 400 })); // false
 * ```
 */
export function isStreamFailure(error: LlmError): boolean {
  if (error.kind === "protocol") return true;
  return error.kind === "upstream" && (error.status ?? 0) >= 500;
}

/** The error for a stream that ended before a finish reason: the reply is incomplete. */
export function cutOffError(ctx: ErrorContext = {}): LlmError {
  return new LlmError(
    "protocol",
    `The reply is incomplete: the stream was cut off before it finished (${
      displayURL(ctx.baseURL)
    }).`,
  );
}

/**
 * Removes the API key, anything shaped like a secret key, and masked echoes of a key
 * (`loc***5b4a`, which still give away part of it) from text.
 *
 * @example
 * ```ts
 * redact("bad key sk-abc123456789", "sk-abc123456789"); // "bad key [redacted]"
 * redact("Incorrect API key provided: my-***wxyz."); // "Incorrect API key provided: [redacted]."
 * ```
 */
export function redact(text: string, apiKey?: string | null): string {
  let out = text;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join("[redacted]");
  // Provider messages may echo a (partly masked) key; drop the whole token.
  return out
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_*.\-]{3,}/g, "[redacted]")
    .replace(/[A-Za-z0-9_.\-]*\*{3,}[A-Za-z0-9_\-]*/g, "[redacted]");
}

/**
 * A duration for messages: "250 ms", "20 s".
 *
 * @example
 * ```ts
 * formatDuration(300_000); // "300 s"
 * ```
 */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

/** The base URL as shown to people: without any user:password part. */
function displayURL(baseURL: string | undefined): string {
  if (!baseURL) return DEFAULT_BASE;
  try {
    const url = new URL(baseURL);
    url.username = "";
    url.password = "";
    return url.href.replace(/\/$/, "");
  } catch {
    return baseURL;
  }
}

function isAbortError(e: unknown): boolean {
  return typeof e === "object" && e !== null && "name" in e && e.name === "AbortError";
}

function upstreamMessage(e: InstanceType<typeof OpenAI.APIError>): string {
  const body = e.error as { message?: unknown } | undefined;
  if (body && typeof body.message === "string") return body.message.trim().slice(0, 500);
  // Without a JSON body the SDK's message is "<status> <text>"; keep the text part.
  const text = e.message.replace(/^\d{3}\s*/, "").trim();
  return text === "status code (no body)" ? "" : text.slice(0, 500);
}

function connectionReason(e: Error): string {
  const text = [e.message, causeText(e)].join(" ");
  if (/refused/i.test(text)) return "connection refused";
  if (/dns|lookup|resolve|not known|getaddrinfo|ENOTFOUND/i.test(text)) return "host not found";
  if (/reset/i.test(text)) return "connection reset";
  if (/certificate|tls|ssl/i.test(text)) return "TLS error (check the certificate)";
  return "connection failed";
}

function causeText(e: Error): string {
  const parts: string[] = [];
  let cur: unknown = e.cause;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    parts.push(cur.message);
    cur = cur.cause;
  }
  return parts.join(" ");
}

/** "Please try again in 6.5s" / "in 120ms", as OpenAI writes in its rate-limit messages. */
function retryAfterInText(text: string): number | undefined {
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(text);
  if (!match) return undefined;
  const value = Number.parseFloat(match[1]);
  return Math.ceil(match[2].toLowerCase() === "ms" ? value / 1000 : value);
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const raw = headers?.get("retry-after");
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return undefined;
}
