/**
 * Reads a Server-Sent Events body as it arrives, for tests and benchmarks. `eventsource-parser`
 * does the parsing (line endings, multi-line data, comments), so no test reads `data:` lines by
 * hand.
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";

/** One SSE event: its `event:` name (`message` when none is given) and its `data:` text. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Yields the events of `res.body` one by one; cancels the body when the caller stops early.
 *
 * @example
 * ```ts
 * for await (const { event, data } of readSse(res)) if (event === "end") break;
 * ```
 */
export async function* readSse(res: Response): AsyncGenerator<SseEvent> {
  const reader = res.body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream()).getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { event: value.event ?? "message", data: value.data };
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Reads the whole body into events whose data is JSON, e.g. rungpt's own event streams. */
export async function readEvents(
  res: Response,
): Promise<Array<{ event: string; data: unknown }>> {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const { event, data } of readSse(res)) out.push({ event, data: JSON.parse(data) });
  return out;
}
