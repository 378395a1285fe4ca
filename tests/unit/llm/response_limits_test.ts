import assert from "node:assert/strict";
import {
  limitResponse,
  type ResponseLimits,
  UpstreamLimitError,
} from "../../../lib/llm/response_limits.ts";

const LIMITS: ResponseLimits = {
  bodyBytes: 100,
  streamBytes: 1000,
  eventBytes: 50,
  bodyMs: 60_000,
};

/** Reads `pieces` (one chunk each) through the limits; the text, or the error it ended with. */
async function read(pieces: string[], contentType: string): Promise<string | Error> {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(enc.encode(p));
      c.close();
    },
  });
  const res = limitResponse(
    new Response(body, { headers: { "content-type": contentType } }),
    "http://model.test",
    LIMITS,
  );
  return await res.text().catch((e: Error) => e);
}

const SSE = "text/event-stream; charset=utf-8";

Deno.test("response limits: a body within the limit passes whole; one past it fails", async () => {
  assert.equal(
    await read(["a".repeat(60), "b".repeat(40)], "application/json"),
    "a".repeat(60) + "b".repeat(40),
  );
  const e = await read(["a".repeat(60), "b".repeat(41)], "application/json");
  assert.ok(e instanceof UpstreamLimitError, String(e));
  assert.match(e.message, /^The answer from http:\/\/model\.test is larger than 100 bytes/);
});

Deno.test("response limits: an event stream is counted per event, LF or CRLF, split anywhere", async () => {
  const event = `data: ${"x".repeat(40)}\n\n`; // 48 bytes: under 50
  const crlf = `data: ${"x".repeat(40)}\r\n\r\n`;
  const many = Array(15).fill(event).join("");
  assert.equal(await read([many], SSE), many, "many events, each within the limit");
  // The same, cut into pieces at every awkward place (inside CRLF, between the two LFs).
  const crlfs = Array(15).fill(crlf).join("");
  const pieces: string[] = [];
  for (let i = 0; i < crlfs.length; i += 7) pieces.push(crlfs.slice(i, i + 7));
  assert.equal(await read(pieces, SSE), crlfs);
  const split = [crlf.slice(0, -1), "\n" + crlf.slice(0, -3), "\r", "\n\r\n"];
  assert.equal(await read(split, SSE), split.join(""));
  // Several lines without a blank line between them are one event.
  const e = await read(["data: a\n".repeat(6), "data: b\n".repeat(2)], SSE);
  assert.ok(e instanceof UpstreamLimitError, String(e));
  assert.match(e.message, /sent an event larger than 50 bytes \(no blank line ends it\)/);
  const long = await read(["data: ", "y".repeat(45)], SSE);
  assert.ok(long instanceof UpstreamLimitError);
});

Deno.test("response limits: an event stream is cut at its total", async () => {
  const event = `data: ${"x".repeat(40)}\n\n`;
  const e = await read(Array(21).fill(event), SSE); // 21 × 48 = 1008 bytes
  assert.ok(e instanceof UpstreamLimitError, String(e));
  assert.match(e.message, /The stream from http:\/\/model\.test went past 1000 bytes/);
});

Deno.test("response limits: a plain body that trickles in is cut at its deadline", async () => {
  // A byte every 20 ms, 10 s in all: far past a deadline of 300 ms.
  let sent = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent++ >= 500) return c.close();
      await new Promise((r) => setTimeout(r, 20));
      if (!cancelled) c.enqueue(new Uint8Array([0x20]));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const res = limitResponse(
    new Response(body, { headers: { "content-type": "application/json" } }),
    "http://model.test",
    { ...LIMITS, bodyMs: 300 },
  );
  const e = await res.text().then(() => null, (e: Error) => e);
  assert.ok(e instanceof UpstreamLimitError, String(e));
  assert.equal(
    e.message,
    "The answer from http://model.test did not arrive within 0.3 s; rungpt stopped waiting.",
  );
  assert.ok(cancelled, "the upstream body is cancelled");
  // An event stream has no such deadline: its readers watch each event instead.
  const stream = limitResponse(
    new Response("data: {}\n\n", { headers: { "content-type": "text/event-stream" } }),
    "http://model.test",
    { ...LIMITS, bodyMs: 1 },
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await stream.text(), "data: {}\n\n");
});
