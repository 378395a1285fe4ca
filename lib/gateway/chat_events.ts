/**
 * Reads back the event stream of rungpt's own `/v1/chat/completions` answer, which is always
 * in the canonical form (`data: <one-line JSON>\n\n` blocks, `data: [DONE]` at the end, or a
 * final `data: {"error": …}` block): the chunks, then how it ended.
 * @module
 */
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ApiErrorBody } from "../chat/api_error.ts";

/** One event of the stream. */
export type ChatEvent =
  | { type: "chunk"; chunk: ChatCompletionChunk }
  | { type: "done" }
  | { type: "error"; error: ApiErrorBody };

/**
 * The events of `body`, in order; a stream that ends without `[DONE]` or an error ends with
 * an error event.
 *
 * @example
 * ```ts
 * for await (const event of chatEvents(res.body!)) if (event.type === "chunk") use(event.chunk);
 * ```
 */
export async function* chatEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ChatEvent, void, undefined> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const bytes of body) {
    pending += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      if (!block.startsWith("data: ")) continue;
      const data = block.slice(6);
      if (data === "[DONE]") return yield { type: "done" };
      const parsed = JSON.parse(data);
      if (parsed?.error) return yield { type: "error", error: parsed.error };
      yield { type: "chunk", chunk: parsed };
    }
  }
  yield {
    type: "error",
    error: {
      message: "The reply is incomplete: the stream ended before it finished.",
      type: "upstream_error",
      code: "protocol",
      param: null,
    },
  };
}
