/**
 * The Responses API's `response` object, built from what a Chat Completions answer said:
 * output items (reasoning, message, function calls), status and usage.
 * @module
 */
import type { ChatCompletion } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ResponsesRequest } from "./responses_request.ts";

/** What the response echoes of its request, and its identity. */
export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
  request: ResponsesRequest;
}

/** One output item, as the Responses API sends it. */
export type OutputItem = Record<string, unknown> & { type: string; id: string };

/** A token's log probability, in the Responses API's shape (the same as Chat's). */
export type Logprob = Record<string, unknown>;

/**
 * A new meta for `request`, answered by `model`.
 *
 * @example
 * ```ts
 * const meta = newMeta(body, "gpt-4o");
 * ```
 */
export function newMeta(request: ResponsesRequest, model: string): ResponseMeta {
  return {
    id: newId("resp"),
    createdAt: Math.floor(Date.now() / 1000),
    model,
    request,
  };
}

/** A fresh item id with OpenAI's prefix for its kind (`msg`, `fc`, `rs`). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/**
 * The `response` object.
 *
 * @example
 * ```ts
 * responseObject(meta, { status: "in_progress", output: [] });
 * ```
 */
export function responseObject(
  meta: ResponseMeta,
  state: {
    status: "in_progress" | "completed" | "incomplete" | "failed";
    output: OutputItem[];
    finishReason?: string | null;
    usage?: CompletionUsage | null;
    error?: { code: string; message: string } | null;
  },
): Record<string, unknown> {
  const req = meta.request as Record<string, unknown>;
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete"
      ? { reason: state.finishReason === "content_filter" ? "content_filter" : "max_output_tokens" }
      : null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: meta.model,
    output: state.output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: (req.reasoning as { effort?: string })?.effort ?? null, summary: null },
    store: false,
    temperature: req.temperature ?? null,
    text: req.text ?? { format: { type: "text" } },
    tool_choice: req.tool_choice ?? "auto",
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    truncation: "disabled",
    usage: state.usage ? responseUsage(state.usage) : null,
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

/** The status a finish reason stands for: cut short by a limit or a filter is incomplete. */
export function statusOf(finishReason: string | null | undefined): "completed" | "incomplete" {
  return finishReason === "length" || finishReason === "content_filter"
    ? "incomplete"
    : "completed";
}

/** Chat's usage in the Responses API's names. */
export function responseUsage(usage: CompletionUsage): Record<string, unknown> {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens,
  };
}

/** A message item holding `text` (and its tokens' log probabilities when asked for). */
export function messageItem(
  id: string,
  text: string,
  logprobs: Logprob[],
  status = "completed",
): OutputItem {
  return {
    type: "message",
    id,
    status,
    role: "assistant",
    content: status === "in_progress"
      ? []
      : [{ type: "output_text", text, annotations: [], logprobs }],
  };
}

/** A reasoning item with the model's reasoning text (DeepSeek and vLLM send it). */
export function reasoningItem(id: string, text: string): OutputItem {
  return {
    type: "reasoning",
    id,
    summary: [],
    content: text ? [{ type: "reasoning_text", text }] : [],
  };
}

/** A function call item. */
export function functionCallItem(
  id: string,
  call: { id: string; name: string; arguments: string },
  status = "completed",
): OutputItem {
  return {
    type: "function_call",
    id,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status,
  };
}

/**
 * The response for a whole chat completion (its first choice).
 *
 * @example
 * ```ts
 * return Response.json(responseFromCompletion(meta, await res.json()));
 * ```
 */
export function responseFromCompletion(
  meta: ResponseMeta,
  completion: ChatCompletion,
): Record<string, unknown> {
  const choice = completion.choices?.[0];
  const message = (choice?.message ?? {}) as ChatCompletion.Choice["message"] & {
    reasoning_content?: string | null;
    reasoning?: string | null;
  };
  const output: OutputItem[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === "string" && reasoning) {
    output.push(reasoningItem(newId("rs"), reasoning));
  }
  const text = message.content ?? message.refusal ?? "";
  if (text) {
    const logprobs = (choice?.logprobs?.content ?? []) as unknown as Logprob[];
    output.push(messageItem(newId("msg"), text, logprobs));
  }
  for (const call of message.tool_calls ?? []) {
    if (call.type !== "function") continue;
    output.push(functionCallItem(newId("fc"), { id: call.id, ...call.function }));
  }
  const finishReason = choice?.finish_reason ?? null;
  return responseObject(meta, {
    status: statusOf(finishReason),
    output,
    finishReason,
    usage: completion.usage ?? null,
  });
}
