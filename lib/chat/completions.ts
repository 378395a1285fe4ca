/**
 * rungpt's own `/v1/chat/completions`: an OpenAI-compatible endpoint that relays to the
 * configured upstream (and, with plugins, runs their actions on the way). Streaming answers
 * use the OpenAI wire format: `data: <chunk>` lines, then `data: [DONE]`.
 * @module
 */
import type OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { z } from "zod";
import { completeChat, type CompleteChatParams, completionChunks } from "../llm/complete.ts";
import { errorContext } from "../llm/client.ts";
import { cutOffError, isStreamFailure, LlmError, toLlmError } from "../llm/errors.ts";
import { concatBytes } from "../http/bytes.ts";
import { errorResponse } from "./api_error.ts";
import { createSseRelay } from "./sse_relay.ts";

export { errorResponse, statusFor } from "./api_error.ts";

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
  /** False when the model's upstream is known not to stream tool calls. */
  streamTools?(model: string): Promise<boolean>;
  /** A streamed request with tools failed and the same one unstreamed worked: remember it. */
  onStreamToolsUnsupported?(model: string): void;
}

/**
 * Relays one completion request. Errors before the first byte (an error status, or an error
 * the upstream reported inside its stream before any content) become an OpenAI-shaped error
 * answer with the status they stand for; an error mid-stream is sent as a final
 * `data: {"error": …}` event with the same `type` and `code`.
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
    if (!body.tools || await deps.streamTools?.(model) !== false) {
      try {
        return await relayStream(client, { ...body, model, stream: true }, signal);
      } catch (e) {
        // Some servers break on streamed tool calls: a request with tools is asked whole.
        if (!body.tools || !isStreamFailure(toLlmError(e))) throw e;
        const answer = await unstreamed(client, body, model, signal);
        deps.onStreamToolsUnsupported?.(model);
        return answer;
      }
    }
    return await unstreamed(client, body, model, signal);
  } catch (e) {
    return errorResponse(toLlmError(e));
  }
}

/** A streamed request answered from the upstream's whole answer, in the streaming format. */
async function unstreamed(
  client: OpenAI,
  body: CompletionRequest,
  model: string,
  signal: AbortSignal,
): Promise<Response> {
  const { stream_options, ...rest } = body;
  const params = { ...rest, model, stream: false } as CompleteChatParams;
  const completion = await completeChat(client, params, signal);
  const wantsUsage = (stream_options as { include_usage?: boolean } | undefined)?.include_usage;
  const events = completionChunks(completion).map(({ usage, ...chunk }) => {
    const blocks = [`data: ${JSON.stringify(chunk)}\n\n`];
    if (wantsUsage && usage) {
      blocks.push(`data: ${JSON.stringify({ ...chunk, choices: [], usage })}\n\n`);
    }
    return blocks.join("");
  });
  return new Response(events.join("") + "data: [DONE]\n\n", {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
    },
  });
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
  // Chunks that say nothing yet (the role chunk) are held back: an error reported after them
  // in the stream still gets its own status.
  const held: Uint8Array[] = [];
  let first = await relay.read();
  while (!first.done && !first.content) {
    held.push(first.bytes);
    first = await relay.read();
  }
  if (first.error && !first.content) {
    release();
    throw first.error;
  }
  if (first.done) release();
  first = { ...first, bytes: concatBytes([...held, first.bytes]) };
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
