/**
 * `/v1/chat/completions` with plugins: the same action loop as the chat UI, for any OpenAI
 * client. The client gets the visible text of every round as one completion (streamed or
 * not); actions run on the server, and one that needs approval is denied unless the user
 * allowed it in advance in settings.
 * @module
 */
import type {
  ChatCompletionChunk,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { LlmError } from "../llm/errors.ts";
import type { ToolSession } from "../tools/catalogue.ts";
import { turnMode } from "./action_prompt.ts";
import { LoopExtras } from "./api_extras.ts";
import { errorBlock, errorResponse } from "./api_error.ts";
import type { CompletionRequest } from "./completions.ts";
import { type CompleteFn, type LoopResult, runActionLoop, type StreamFn } from "./loop.ts";

/** What the API turn needs. */
export interface ApiTurnDeps {
  stream: StreamFn;
  /** Asks without streaming, for upstreams that cannot stream tool calls. */
  complete?: CompleteFn;
  /** The request's tools, opened without `ask`: what needs approval is denied unless allowed. */
  tools: ToolSession;
  onNativeUnsupported?(model: string): void;
  onStreamToolsUnsupported?(model: string): void;
}

const OWN_FIELDS = new Set(["model", "messages", "stream", "n"]);

/**
 * Answers a completion request by running the action loop. What the upstream sends that the
 * loop does not use (log probabilities, reasoning, the system fingerprint) is passed on. One
 * loop makes one answer, so `n` above 1 belongs to the plain relay (the caller's choice).
 *
 * @example
 * ```ts
 * return await completeWithActions(deps, { ...body, model }, req.signal);
 * ```
 */
export function completeWithActions(
  deps: ApiTurnDeps,
  body: CompletionRequest & { model: string },
  signal: AbortSignal,
): Promise<Response> {
  const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
  const created = Math.floor(Date.now() / 1000);
  const extra = Object.fromEntries(Object.entries(body).filter(([k]) => !OWN_FIELDS.has(k)));
  // Every round is streamed from the upstream, which sends usage in a stream only when asked:
  // a non-streamed answer always carries usage, so ask for it.
  if (!body.stream) extra.stream_options = { include_usage: true };
  const { settings } = deps.tools;
  // The client's own messages, as it sent them, in either mode.
  const messages = body.messages as unknown as ChatCompletionMessageParam[];
  const extras = new LoopExtras();
  const run = (
    onText: (text: string) => void,
    abort: AbortSignal,
    onChunk: (chunk: ChatCompletionChunk) => void = (c) => void extras.add(c),
  ) =>
    runActionLoop({
      model: body.model,
      messages: () => messages,
      tools: deps.tools.tools,
      mode: turnMode(settings, body.model),
      maxRounds: settings.maxRounds,
      stream: deps.stream,
      complete: deps.complete,
      streamTools: !settings.streamToolsUnsupported.includes(body.model),
      onStreamToolsUnsupported: () => deps.onStreamToolsUnsupported?.(body.model),
      signal: abort,
      extra,
      onText,
      onChunk,
      onNativeUnsupported: () => deps.onNativeUnsupported?.(body.model),
      dispatch: deps.tools.dispatch,
    });

  if (!body.stream) {
    return run(() => {}, signal).then((result) => {
      // A failed round fails the request: partial text with "stop" would pass for an answer.
      if (result.error) return errorResponse(failedRound(result, result.error));
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: body.model,
        system_fingerprint: extras.fingerprint,
        choices: [{
          index: 0,
          message: { role: "assistant", content: result.text, refusal: null, ...extras.message() },
          logprobs: extras.logprobs(),
          finish_reason: finishReason(result),
        }],
        usage: result.usage ?? zeroUsage(),
      });
    });
  }

  const encoder = new TextEncoder();
  const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
  const chunkOf = (fields: Record<string, unknown>) =>
    event({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      system_fingerprint: extras.fingerprint,
      ...fields,
    });
  const chunk = (delta: Record<string, unknown>, finish: string | null, logprobs?: unknown) =>
    chunkOf({
      choices: [{
        index: 0,
        delta,
        logprobs: logprobs ? { content: logprobs, refusal: null } : null,
        finish_reason: finish,
      }],
    });
  const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)
    ?.include_usage === true;
  const controller = new AbortController();
  signal.addEventListener("abort", () => controller.abort(), { once: true });

  // Answer once there is output or an outcome, so a failure before any text gets a status.
  return new Promise<Response>((resolve) => {
    let stream!: ReadableStreamDefaultController<Uint8Array>;
    let answered = false;
    const body$ = new ReadableStream<Uint8Array>({
      start: (c) => {
        stream = c;
      },
      cancel: () => controller.abort(),
    });
    const answer = () => {
      if (answered) return;
      answered = true;
      stream.enqueue(chunk({ role: "assistant", content: "" }, null));
      resolve(
        new Response(body$, {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache, no-transform",
          },
        }),
      );
    };
    const passOn = (c: ChatCompletionChunk) => {
      const { reasoning, logprobs } = extras.add(c);
      if (!reasoning && !logprobs) return;
      answer();
      stream.enqueue(chunk(reasoning ?? {}, null, logprobs));
    };
    run(
      (text) => {
        answer();
        stream.enqueue(chunk({ content: text }, null));
      },
      controller.signal,
      passOn,
    ).then((result) => {
      if (result.error && !answered) {
        return resolve(errorResponse(failedRound(result, result.error)));
      }
      answer();
      try {
        if (result.error) {
          stream.enqueue(encoder.encode(errorBlock(failedRound(result, result.error))));
        } else {
          stream.enqueue(chunk({}, finishReason(result)));
          if (wantsUsage) {
            stream.enqueue(chunkOf({ choices: [], usage: result.usage ?? zeroUsage() }));
          }
          stream.enqueue(encoder.encode("data: [DONE]\n\n"));
        }
        stream.close();
      } catch { /* the client went away */ }
    });
  });
}

/**
 * The error of a loop that failed, naming the round when it was not the first: the client
 * should know that actions ran before the failure.
 */
function failedRound(result: LoopResult, error: LlmError): LlmError {
  const round = result.rounds.length;
  if (round <= 1 || error.kind === "aborted") return error;
  const ran = [...new Set(result.calls.map((c) => c.name))].join(", ");
  return new LlmError(
    error.kind,
    `Round ${round} of the action loop failed, after rungpt ran ${ran}: ${error.message}`,
    { status: error.status, code: error.code, retryAfter: error.retryAfter, param: error.param },
  );
}

function finishReason(result: LoopResult): string {
  if (result.hitRoundLimit) return "stop";
  return result.finishReason === "tool_calls" ? "stop" : result.finishReason ?? "stop";
}

function zeroUsage(): CompletionUsage {
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
}
