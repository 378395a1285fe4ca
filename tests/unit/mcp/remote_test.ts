import assert from "node:assert/strict";
import { messageLimit, originFetch } from "../../../lib/mcp/remote.ts";

/** Runs `chunks` through the limit; resolves to the bytes passed, or rejects. */
async function through(max: number, chunks: string[]): Promise<string> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      c.close();
    },
  });
  return await new Response(body.pipeThrough(messageLimit(max))).text();
}

Deno.test("mcp remote: the message limit counts each SSE event on its own, across chunks", async () => {
  const event = `data: ${"x".repeat(90)}\n\n`;
  assert.equal(await through(100, [event, event, event]), event.repeat(3));
  assert.equal(
    await through(100, ["data: ", "x".repeat(90), "\r\n\r\n", event]),
    `data: ${"x".repeat(90)}\r\n\r\n${event}`,
  );
  await assert.rejects(
    through(100, ["data: ", "x".repeat(60), "x".repeat(60)]),
    /over the limit of 100 bytes/,
  );
});

Deno.test("mcp remote: requests go to the added origin only, with the stored headers", async () => {
  let seen: string | null = null;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen = req.headers.get("authorization");
    return new Response("ok");
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/mcp`;
    const fetch = originFetch({
      url,
      headers: { Authorization: "Bearer t" },
      maxMessageBytes: 100,
    });
    assert.equal(await (await fetch(url, { headers: { authorization: "other" } })).text(), "ok");
    assert.equal(seen, "Bearer t");
    await assert.rejects(
      fetch("http://127.0.0.2:9/x"),
      /refused a request to http:\/\/127\.0\.0\.2:9: only http:\/\/127\.0\.0\.1:\d+ was added/,
    );
  } finally {
    await server.shutdown();
  }
});
