/**
 * rungpt's own `/v1/chat/completions`: an OpenAI-compatible endpoint that relays to the
 * configured upstream (and, with plugins, runs their actions on the way). Streaming answers
 * use the OpenAI wire format: `data: <chunk>` lines, then `data: [DONE]`.
 * @module
 */
import type OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { completeChat, type CompleteChatParams } from "../llm/complete.ts";
import { errorContext } from "../llm/client.ts";
import { cutOffError, LlmError, toLlmError } from "../llm/errors.ts";
import { createSseRelay } from "./sse_relay.ts";

/** The request body: the fields rungpt needs, everything else passed through. */
export const completionRequest = z.looseObject({
  model: z.string().min(1).max(200).optional(),
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1, "must not be empty"),
  stream: z.boolean().optional(),
});

/** A validated request. */
export type CompletionRequest = z.infer<typeof completionRequest>;

/** What the relay needs. */
export interface CompletionDeps {
  client(): Promise<OpenAI>;
  defaultModel(): Promise<string | null>;
}

/** HTTP status for an upstream failure, from rungpt's point of view as a gateway. */
export function statusFor(error: LlmError): number {
  switch (error.kind) {
    case "rate_limit":
      return 429;
    case "bad_request":
      return error.status ?? 400;
    case "not_found":
      return 404;
    case "no_key":
      return 503;
    case "timeout":
      return 504;
    case "aborted":
      return 499;
    default:
      return 502;
  }
}

/** An error answer in OpenAI's shape; `param` names the request field at fault, if one. */
export function errorResponse(error: LlmError, param: string | null = null): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(
    JSON.stringify({
      error: {
        message: error.message,
        type: error.kind === "rate_limit" ? "rate_limit_error" : "upstream_error",
        code: error.code ?? error.kind,
        param,
      },
    }),
    { status: statusFor(error), headers },
  );
}

/**
 * Relays one completion request. Errors before the first byte become an OpenAI-shaped
 * error answer; an error mid-stream is sent as a final `data: {"error": …}` event.
 *
 * @example
 * ```ts
 * const res = await relayCompletion(deps, body, req.signal);
 * ```
 */
export async function relayCompletion(
  deps: CompletionDeps,
  body: CompletionRequest,
  signal: AbortSignal,
): Promise<Response> {
  try {
    const model = body.model ?? await deps.defaultModel();
    if (!model) {
      throw new LlmError(
        "bad_request",
        'No model given and no default model is configured: send "model", or choose a default ' +
          "model in rungpt's Settings (or start rungpt with RUNGPT_MODEL).",
        { status: 400 },
      );
    }
    const client = await deps.client();
    if (!body.stream) {
      const params = { ...body, model, stream: false } as CompleteChatParams;
      return Response.json(await completeChat(client, params, signal));
    }
    return await relayStream(client, { ...body, model, stream: true }, signal);
  } catch (e) {
    return errorResponse(toLlmError(e));
  }
}

/**
 * The streaming relay: the upstream's events pass through as bytes (see `sse_relay.ts`). The
 * first event is awaited so that an error before any content becomes a proper HTTP status.
 */
async function relayStream(
  client: OpenAI,
  params: Record<string, unknown> & { model: string },
  signal: AbortSignal,
): Promise<Response> {
  const ctx = errorContext(client, params.model);
  if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
  // Our own controller: a client that goes away, or a cancel, aborts the upstream request.
  const upstream = new AbortController();
  const onAbort = () => upstream.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const release = () => signal.removeEventListener("abort", onAbort);
  let res: Response;
  try {
    res = await client.chat.completions
      .create(params as unknown as ChatCompletionCreateParamsStreaming, {
        signal: upstream.signal,
      })
      .asResponse();
  } catch (e) {
    release();
    throw signal.aborted
      ? new LlmError("aborted", "The request was cancelled.")
      : toLlmError(e, ctx);
  }
  if (!res.body) {
    release();
    throw cutOffError(ctx);
  }
  const relay = createSseRelay(res.body, {
    ctx,
    headers: res.headers,
    idleMs: client.timeout,
    signal,
    abort: () => upstream.abort(),
  });
  let first = await relay.read();
  while (!first.done && first.bytes.length === 0) first = await relay.read();
  if (first.error && !first.content) {
    release();
    throw first.error;
  }
  if (first.done) release();
  let sent = false;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        const step = sent ? await relay.read() : first;
        sent = true;
        if (step.bytes.length) controller.enqueue(step.bytes);
        if (step.done) {
          release();
          controller.close();
        }
      },
      async cancel() {
        release();
        await relay.cancel();
      },
    }, { highWaterMark: 0 }),
    {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
      },
    },
  );
}
