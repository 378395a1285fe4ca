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
