/**
 * rungpt's own `/v1/chat/completions`: an OpenAI-compatible endpoint that relays to the
 * configured upstream (and, with plugins, runs their actions on the way). Streaming answers
 * use the OpenAI wire format: `data: <chunk>` lines, then `data: [DONE]`.
 * @module
 */
import type OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { z } from "zod";
import { completeChat, type CompleteChatParams } from "../llm/complete.ts";
import { LlmError, toLlmError } from "../llm/errors.ts";
import { streamChat, type StreamChatParams } from "../llm/stream.ts";

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

/** An error answer in OpenAI's shape. */
export function errorResponse(error: LlmError): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(
    JSON.stringify({
      error: {
        message: error.message,
        type: error.kind === "rate_limit" ? "rate_limit_error" : "upstream_error",
        code: error.code ?? error.kind,
        param: null,
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
      throw new LlmError("bad_request", "No model given and no default model is configured.", {
        status: 400,
      });
    }
    const client = await deps.client();
    if (!body.stream) {
      const params = { ...body, model, stream: false } as CompleteChatParams;
      return Response.json(await completeChat(client, params, signal));
    }
    // streamChat names the upstream in its errors and reports a stream cut short.
    const params = { ...body, model, stream: true } as StreamChatParams;
    const iterator = streamChat(client, params, signal)[Symbol.asyncIterator]();
    // Wait for the first chunk so an upstream error becomes a proper HTTP status.
    const first = await iterator.next();
    return new Response(sse(first, iterator), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
      },
    });
  } catch (e) {
    return errorResponse(toLlmError(e));
  }
}

function sse(
  first: IteratorResult<ChatCompletionChunk>,
  rest: AsyncIterator<ChatCompletionChunk>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  let pending: IteratorResult<ChatCompletionChunk> | null = first;
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = pending ?? await rest.next();
        pending = null;
        if (next.done) {
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        } else {
          controller.enqueue(line(next.value));
        }
      } catch (e) {
        const error = toLlmError(e);
        controller.enqueue(
          line({ error: { message: error.message, type: "upstream_error", code: error.kind } }),
        );
        controller.close();
      }
    },
    async cancel() {
      await rest.return?.();
    },
  });
}
