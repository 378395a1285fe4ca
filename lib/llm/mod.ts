/**
 * The model layer: the `openai` client for a provider, streaming and non-streaming chat
 * completions, model listing, and one error type with actionable messages.
 *
 * @example
 * ```ts
 * import { accumulateChunks, createClient, streamChat } from "./lib/llm/mod.ts";
 *
 * const client = createClient({ apiKey: null, baseURL: "http://127.0.0.1:11434/v1" });
 * const reply = await accumulateChunks(
 *   streamChat(client, { model: "llama3", messages: [{ role: "user", content: "hi" }] }, signal),
 * );
 * ```
 * @module
 */
export {
  type ClientConfig,
  createClient,
  DEFAULT_TIMEOUT_MS,
  errorContext,
  OPENAI_BASE_URL,
  PLACEHOLDER_KEY,
} from "./client.ts";
export {
  cutOffError,
  type ErrorContext,
  formatDuration,
  LlmError,
  type LlmErrorDetails,
  type LlmErrorKind,
  redact,
  toLlmError,
} from "./errors.ts";
export {
  accumulateChunks,
  type Accumulated,
  type AccumulatedToolCall,
  addChunk,
  newAccumulator,
  streamChat,
  type StreamChatOptions,
  type StreamChatParams,
  textDeltas,
} from "./stream.ts";
export { completeChat, type CompleteChatParams } from "./complete.ts";
export { listModels, listModelsInOrder } from "./models.ts";
export { chooseDefaultModel, isChatModel } from "./model_choice.ts";
export { CHECK_TIMEOUT_MS, checkProvider, type ProviderCheck } from "./provider_check.ts";
