/**
 * Non-streaming chat completions, with errors mapped to `LlmError`.
 *
 * @module
 */
import type OpenAI from "openai";
import { errorContext } from "./client.ts";
import { LlmError, toLlmError } from "./errors.ts";

/** Parameters for {@linkcode completeChat}: OpenAI's, with `stream` off. */
export type CompleteChatParams = Omit<OpenAI.ChatCompletionCreateParamsNonStreaming, "stream"> & {
  stream?: false | null;
};

/**
 * Runs one chat completion and returns OpenAI's `ChatCompletion` object.
 *
 * @throws {LlmError} mapped from the upstream error; `aborted` when `signal` fires;
 * `protocol` when the response is not a chat completion.
 *
 * @example
 * ```ts
 * const done = await completeChat(client, { model: "gpt-4o-mini", messages }, signal);
 * console.log(done.choices[0].message.content);
 * ```
 */
export async function completeChat(
  client: OpenAI,
  params: CompleteChatParams,
  signal: AbortSignal,
): Promise<OpenAI.ChatCompletion> {
  const ctx = errorContext(client, params.model);
  if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
  let completion: OpenAI.ChatCompletion;
  try {
    completion = await client.chat.completions.create({ ...params, stream: false }, { signal });
  } catch (e) {
    if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
    // A body cut short surfaces as a parse or read error once the status was 200.
    throw toLlmError(e, ctx);
  }
  // Non-JSON 200 responses come back as strings; anything without choices is not a completion.
  if (!completion || typeof completion !== "object" || !Array.isArray(completion.choices)) {
    throw new LlmError(
      "protocol",
      `The provider at ${ctx.baseURL} answered with something that is not a chat completion.`,
    );
  }
  return completion;
}

/**
 * A complete (non-streamed) answer as the chunks a stream would have carried: one chunk with
 * the whole message (text, reasoning, tool calls with their index) and the finish reason, and
 * the usage. Lets code that reads streams take an answer that could not be streamed.
 *
 * @example
 * ```ts
 * for (const chunk of completionChunks(await completeChat(client, params, signal))) {
 *   addChunk(acc, chunk);
 * }
 * ```
 */
export function completionChunks(completion: OpenAI.ChatCompletion): OpenAI.ChatCompletionChunk[] {
  const choices = completion.choices.map((choice): OpenAI.ChatCompletionChunk.Choice => {
    const message = choice.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string | null;
    };
    const delta: OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string } = {
      role: "assistant",
    };
    if (message.content) delta.content = message.content;
    if (message.refusal) delta.refusal = message.refusal;
    if (message.reasoning_content) delta.reasoning_content = message.reasoning_content;
    const calls = (message.tool_calls ?? []).filter((c) => c.type === "function");
    if (calls.length) {
      delta.tool_calls = calls.map((call, index) => ({
        index,
        id: call.id,
        type: "function",
        function: { name: call.function.name, arguments: call.function.arguments },
      }));
    }
    return {
      index: choice.index,
      delta,
      logprobs: choice.logprobs ?? null,
      finish_reason: choice.finish_reason,
    };
  });
  return [{
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
    choices,
    ...(completion.usage ? { usage: completion.usage } : {}),
  }];
}
