import assert from "node:assert/strict";
import { createSseRelay } from "../../../lib/chat/sse_relay.ts";

const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });

/** Relays `parts` (each one upstream read) and returns everything written, and the steps. */
async function relay(parts: string[]) {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
  let aborted = 0;
  const r = createSseRelay(body, {
    ctx: { baseURL: "http://127.0.0.1:1/v1" },
    idleMs: 60_000,
    signal: new AbortController().signal,
    abort: () => aborted++,
  });
  let out = "";
  const steps = [];
  while (true) {
    const step = await r.read();
    steps.push(step);
    out += new TextDecoder().decode(step.bytes);
    if (step.done) break;
  }
  return { out, steps, aborted };
}

Deno.test("sse relay: canonical events pass through as they are, then [DONE]", async () => {
  const a = `data: ${chunk("Hel")}\n\n`, b = `data: ${chunk("lo", "stop")}\n\n`;
  const { out, steps } = await relay([a + b.slice(0, 10), b.slice(10), "data: [DONE]\n\n"]);
  assert.equal(out, a + b + "data: [DONE]\n\n");
  assert.equal(steps.at(-1)!.error, undefined);
});

Deno.test("sse relay: CRLF, comments, data: without space and multi-line data are normalized", async () => {
  const multi = chunk("x", "stop").replace("{", "{\n");
  const { out } = await relay([
    ": keep-alive\r\n\r",
    `\ndata:${chunk("a")}\r\n\r\n`,
    `event: message\ndata: ${multi.split("\n")[0]}\ndata: ${multi.split("\n")[1]}\n\n`,
  ]);
  const blocks = out.split("\n\n").filter(Boolean);
  assert.ok(blocks.every((b) => b.startsWith("data: ") && !b.includes("\n")), out);
  assert.deepEqual(
    blocks.slice(0, -1).map((b) => JSON.parse(b.slice(6)).choices[0].delta.content),
    [
      "a",
      "x",
    ],
  );
  assert.equal(blocks.at(-1), "data: [DONE]");
});

Deno.test("sse relay: an error object in the stream ends it with an error block, no [DONE]", async () => {
  const { out, steps, aborted } = await relay([
    `data: ${chunk("a")}\n\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\n`,
    `data: ${chunk("never")}\n\n`,
  ]);
  assert.ok(!out.includes("[DONE]") && !out.includes("never"), out);
  const last = JSON.parse(out.trim().split("\n\n").at(-1)!.slice(6));
  assert.match(last.error.message, /overloaded/);
  assert.equal(steps.at(-1)!.error!.kind, "upstream");
  assert.ok(aborted > 0, "the upstream request is closed");
});

Deno.test("sse relay: no finish reason is 'cut off'; malformed and non-JSON chunks are protocol errors", async () => {
  const cut = await relay([`data: ${chunk("a")}\n\n`]);
  assert.match(cut.steps.at(-1)!.error!.message, /cut off/);
  assert.ok(!cut.out.includes("[DONE]"));
  const malformed = await relay([`data: {"choices": 3}\n\n`]);
  assert.match(malformed.steps.at(-1)!.error!.message, /malformed chunk/);
  assert.equal(malformed.steps.at(-1)!.content, false, "no content: the route answers a status");
  const notJson = await relay([`data: {nope\n\n`]);
  assert.match(notJson.steps.at(-1)!.error!.message, /not valid JSON/);
});

Deno.test("sse relay: an upstream that trickles bytes but never an event stalls all the same", async () => {
  // One byte every 10 ms, 3 s in all, never a whole event; the idle limit is 200 ms.
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent++ >= 300) return c.close();
      await new Promise((r) => setTimeout(r, 10));
      c.enqueue(new TextEncoder().encode(sent === 1 ? "data: {" : "x"));
    },
    cancel() {
      sent = Infinity;
    },
  }, { highWaterMark: 0 });
  let aborted = 0;
  const r = createSseRelay(body, {
    ctx: { baseURL: "http://127.0.0.1:1/v1" },
    idleMs: 200,
    signal: new AbortController().signal,
    abort: () => aborted++,
  });
  const step = await r.read();
  assert.equal(step.done, true);
  assert.equal(step.error?.kind, "timeout", step.error?.message);
  assert.match(step.error!.message, /stalled: no event arrived for 200 ms/);
  assert.ok(aborted > 0, "the upstream request is aborted");
  assert.equal(sent, Infinity, "the body is cancelled");
});
