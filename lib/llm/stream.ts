/**
 * Streaming chat completions: raw chunks with errors mapped, and an accumulator that turns
 * chunks into text, tool calls, finish reason and usage.
 *
 * @module
 */
import type OpenAI from "openai";
import { setImmediate } from "node:timers";
import { errorContext } from "./client.ts";
import { cutOffError, formatDuration, LlmError, toLlmError } from "./errors.ts";
import { UpstreamLimitError } from "./response_limits.ts";

type ChatCompletionChunk = OpenAI.ChatCompletionChunk;

/** Parameters for {@linkcode streamChat}: OpenAI's, with `stream` implied. */
export type StreamChatParams = Omit<OpenAI.ChatCompletionCreateParamsStreaming, "stream"> & {
  stream?: true;
};

/** Options for {@linkcode streamChat}. */
export interface StreamChatOptions {
  /**
   * Give up when no chunk arrives for this long (default: the client's timeout). The SDK's
   * own timeout only covers the wait for response headers.
   */
  idleTimeoutMs?: number;
}

/**
 * Streams a chat completion, yielding the raw chunks.
 *
 * Errors are {@linkcode LlmError}s: `aborted` when `signal` fires, `protocol` when the stream
 * ends before any choice reported a finish reason, `timeout` when it goes idle, and the
 * mapped upstream error otherwise. Breaking out of the loop closes the connection.
 *
 * @example
 * ```ts
 * const acc = newAccumulator();
 * for await (const chunk of streamChat(client, { model: "gpt-4o", messages }, signal)) {
 *   addChunk(acc, chunk);
 *   render(chunk.choices[0]?.delta.content ?? "");
 * }
 * ```
 */
export async function* streamChat(
  client: OpenAI,
  params: StreamChatParams,
  signal: AbortSignal,
  options: StreamChatOptions = {},
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const ctx = errorContext(client, params.model);
  const aborted = () => new LlmError("aborted", "The request was cancelled.");
  if (signal.aborted) throw aborted();
  let stream;
  try {
    stream = await client.chat.completions.create({ ...params, stream: true }, { signal });
  } catch (e) {
    throw signal.aborted ? aborted() : toLlmError(e, ctx);
  }
  const idleMs = options.idleTimeoutMs ?? client.timeout;
  const iterator = stream[Symbol.asyncIterator]();
  // One watchdog per stream rather than a timer per chunk: chunks are many and cheap. When it
  // fires it aborts the request, which ends the pending read.
  let lastChunkAt = performance.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    if (performance.now() - lastChunkAt < idleMs) return;
    stalled = true;
    stream.controller.abort();
  }, Math.max(10, Math.min(idleMs / 4, 1000)));
  const stallError = () =>
    new LlmError(
      "timeout",
      `The stream from ${ctx.baseURL} stalled: no event arrived for ${formatDuration(idleMs)}.`,
    );
  let sliceStart = lastChunkAt;
  let finished = false;
  let done = false;
  try {
    while (true) {
      let step: IteratorResult<ChatCompletionChunk>;
      const askedAt = performance.now();
      try {
        step = await iterator.next();
      } catch (e) {
        if (signal.aborted) throw aborted();
        if (stalled) throw stallError();
        if (e instanceof UpstreamLimitError) throw toLlmError(e, ctx);
        // A failure after the response started: most often the connection dropped.
        if (e instanceof Error && !(e instanceof SyntaxError) && !("status" in e)) {
          throw cutOffError(ctx);
        }
        throw toLlmError(e, ctx);
      }
      if (step.done) break;
      lastChunkAt = performance.now();
      if (lastChunkAt - askedAt > 0.5) sliceStart = lastChunkAt; // it waited: the loop ran
      const chunk = step.value;
      if (!chunk || typeof chunk !== "object" || !Array.isArray(chunk.choices)) {
        throw new LlmError("protocol", `The provider at ${ctx.baseURL} sent a malformed chunk.`);
      }
      if (chunk.choices.some((c) => c.finish_reason)) finished = true;
      yield chunk;
      // Chunks that arrived together are handed out back to back; after a time slice of that,
      // let other turns, requests and writes run before going on.
      if (lastChunkAt - sliceStart > TIME_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    done = true;
  } finally {
    clearInterval(watchdog);
    // On break, error or abort: close the connection (the SDK's iterator does it on return).
    if (!done) await iterator.return?.().catch(() => {});
  }
  if (stalled && !signal.aborted) throw stallError();
  // The SDK ends quietly when its request is aborted, so check the signal ourselves.
  if (signal.aborted) throw aborted();
  if (!finished) throw cutOffError(ctx);
}

/** A tool call assembled from stream fragments. */
export interface AccumulatedToolCall {
  /** The `index` its fragments carried. */
  index: number;
  id: string;
  name: string;
  /** The arguments JSON text, as sent (may be invalid JSON: the model wrote it). */
  arguments: string;
}

/** Everything a stream said, put together (first choice only). */
export interface Accumulated {
  content: string;
  /** Reasoning text some servers send as `reasoning_content` / `reasoning`. */
  reasoning: string;
  refusal: string;
  toolCalls: AccumulatedToolCall[];
  finishReason: string | null;
  usage: OpenAI.CompletionUsage | null;
}

/**
 * Returns an empty {@linkcode Accumulated} for {@linkcode addChunk}.
 *
 * @example
 * ```ts
 * const acc = newAccumulator();
 * for (const chunk of chunks) addChunk(acc, chunk);
 * ```
 */
export function newAccumulator(): Accumulated {
  return {
    content: "",
    reasoning: "",
    refusal: "",
    toolCalls: [],
    finishReason: null,
    usage: null,
  };
}

/**
 * Adds one chunk to `acc` (mutating it) and returns `acc`.
 *
 * Tool-call fragments are keyed by index AND id: a fragment with a new id at an index already
 * in use starts a new call (some servers send every parallel call at index 0); a fragment
 * without an id, or repeating the current id, continues the latest call at its index.
 */
export function addChunk(acc: Accumulated, chunk: ChatCompletionChunk): Accumulated {
  if (chunk.usage) acc.usage = chunk.usage;
  const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
  if (!choice) return acc;
  const delta = (choice.delta ?? {}) as OpenAI.ChatCompletionChunk.Choice.Delta & {
    reasoning_content?: string | null;
    reasoning?: string | null;
  };
  if (typeof delta.content === "string") acc.content += delta.content;
  if (typeof delta.refusal === "string") acc.refusal += delta.refusal;
  const reasoning = delta.reasoning_content ?? delta.reasoning;
  if (typeof reasoning === "string") acc.reasoning += reasoning;
  for (const fragment of delta.tool_calls ?? []) addToolFragment(acc, fragment);
  if (choice.finish_reason) acc.finishReason = choice.finish_reason;
  return acc;
}

function addToolFragment(
  acc: Accumulated,
  fragment: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall,
): void {
  const index = typeof fragment.index === "number" ? fragment.index : 0;
  const id = fragment.id || undefined;
  let call = acc.toolCalls.findLast((c) => c.index === index);
  if (!call || (id !== undefined && id !== call.id)) {
    call = {
      index,
      // Some servers send no ids; give each call a stable one so results can refer to it.
      id: id ?? `call_${acc.toolCalls.length}`,
      name: "",
      arguments: "",
    };
    acc.toolCalls.push(call);
  }
  const name = fragment.function?.name;
  // OpenAI sends the name once; some servers repeat it on every fragment.
  if (name && name !== call.name) call.name += name;
  const args = fragment.function?.arguments;
  if (typeof args === "string") call.arguments += args;
}

/**
 * Collects a whole chunk stream into an {@linkcode Accumulated}.
 *
 * @example
 * ```ts
 * const { content, toolCalls } = await accumulateChunks(streamChat(client, params, signal));
 * ```
 */
export async function accumulateChunks(
  chunks: AsyncIterable<ChatCompletionChunk> | Iterable<ChatCompletionChunk>,
): Promise<Accumulated> {
  const acc = newAccumulator();
  for await (const chunk of chunks) addChunk(acc, chunk);
  return acc;
}

/**
 * Yields only the text deltas of a chunk stream (first choice).
 *
 * @example
 * ```ts
 * for await (const text of textDeltas(streamChat(client, params, signal))) write(text);
 * ```
 */
export async function* textDeltas(
  chunks: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<string, void, undefined> {
  for await (const chunk of chunks) {
    const text = chunk.choices?.find((c) => (c.index ?? 0) === 0)?.delta?.content;
    if (text) yield text;
  }
}

/** The longest stretch a stream's consumer runs before it yields to the event loop. */
const TIME_SLICE_MS = 2;
