/**
 * How `/v1` reports an upstream failure to its clients: the HTTP status and OpenAI's error
 * JSON before the first byte, or a final `data: {"error": …}` event once a stream has started.
 * Both carry the same `type` and `code`, so an SDK sees the same error either way.
 * @module
 */
import type { LlmError } from "../llm/errors.ts";

/** OpenAI's error object, as `/v1` sends it. */
export interface ApiErrorBody {
  message: string;
  type: string;
  code: string;
  param: string | null;
}

/**
 * HTTP status for an upstream failure, from rungpt's point of view as a gateway: the status
 * the upstream answered (or stood for inside a stream) when a client can act on it, 502 when
 * the upstream failed in a way the client cannot fix.
 *
 * @example
 * ```ts
 * statusFor(new LlmError("rate_limit", "slow down", { status: 429 })); // 429
 * statusFor(new LlmError("unreachable", "no route")); // 502
 * ```
 */
export function statusFor(error: LlmError): number {
  switch (error.kind) {
    case "rate_limit":
      return 429;
    case "auth":
      return error.status === 403 ? 403 : 401;
    case "bad_request":
    case "images_unsupported":
      return error.status ?? 400;
    case "not_found":
      return 404;
    case "no_key":
      return 503;
    case "timeout":
      return 504;
    case "aborted":
      return 499;
    case "upstream":
      // Overloaded and internal errors keep their status: SDKs back off on them.
      return error.status === 500 || error.status === 503 ? error.status : 502;
    default:
      return 502;
  }
}

/**
 * OpenAI's `type` for an error: what the OpenAI SDKs map to their error classes.
 *
 * @example
 * ```ts
 * errorType(new LlmError("rate_limit", "slow down", { status: 429 })); // "rate_limit_error"
 * ```
 */
export function errorType(error: LlmError): string {
  switch (statusFor(error)) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    default:
      return "upstream_error";
  }
}

/**
 * The error object for `error`; `param` names the request field at fault (else the upstream's).
 *
 * @example
 * ```ts
 * errorBody(new LlmError("bad_request", "n must be 1", { status: 400 }), "n");
 * // { message: "n must be 1", type: "invalid_request_error", code: "bad_request", param: "n" }
 * ```
 */
export function errorBody(error: LlmError, param: string | null = null): ApiErrorBody {
  return {
    message: error.message,
    type: errorType(error),
    code: error.code ?? error.kind,
    param: param ?? error.param ?? null,
  };
}

/**
 * An error answer in OpenAI's shape, with `Retry-After` when the upstream said when to retry.
 *
 * @example
 * ```ts
 * return errorResponse(toLlmError(e));
 * ```
 */
export function errorResponse(error: LlmError, param: string | null = null): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(JSON.stringify({ error: errorBody(error, param) }), {
    status: statusFor(error),
    headers,
  });
}

/**
 * The final SSE block of a stream that failed after it started (no `[DONE]` follows).
 *
 * @example
 * ```ts
 * controller.enqueue(encoder.encode(errorBlock(error)));
 * ```
 */
export function errorBlock(error: LlmError): string {
  return `data: ${JSON.stringify({ error: errorBody(error) })}\n\n`;
}
