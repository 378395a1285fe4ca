/**
 * A small Server-Sent Events reader for the benchmarks: yields `{ event, data }` as blocks
 * arrive, so time to first token can be taken at the first content.
 * @module
 */

/** One SSE block: its `event:` name (default `message`) and its `data:` text. */
export interface SseBlock {
  event: string;
  data: string;
}

/** Reads `res.body` block by block; cancels the body when the caller stops early. */
export async function* readSse(res: Response): AsyncGenerator<SseBlock> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) yield { event, data };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
