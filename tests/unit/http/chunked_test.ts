import assert from "node:assert/strict";
import { ChunkedEncodingError, createChunkedDecoder } from "../../../lib/http/chunked.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Encodes `parts` as a chunked body, with an extension and a trailer to skip. */
function chunkedBody(parts: string[]): string {
  const chunks = parts.map((p, i) =>
    `${enc(p).length.toString(16)}${i === 1 ? ";name=value" : ""}\r\n${p}\r\n`
  );
  return `${chunks.join("")}0\r\nx-trailer: yes\r\n\r\n`;
}

Deno.test("chunked: decodes a body split at every position into two pieces", () => {
  const parts = ['data: {"a":1}\n\n', "data: é ü 🎉\n\n", "A".repeat(300), "data: [DONE]\n\n"];
  const body = enc(chunkedBody(parts));
  for (let cut = 0; cut <= body.length; cut++) {
    const decoder = createChunkedDecoder();
    const a = decoder.push(body.subarray(0, cut));
    assert.equal(decoder.done, cut === body.length, `cut ${cut}`);
    const b = decoder.push(body.subarray(cut));
    assert.ok(decoder.done, `cut ${cut}`);
    assert.equal(dec(new Uint8Array([...a, ...b])), parts.join(""), `cut ${cut}`);
  }
});

Deno.test("chunked: byte by byte gives the same payload; one push gives it in one array", () => {
  const parts = ["one ", "two ", "three"];
  const body = enc(chunkedBody(parts));
  const decoder = createChunkedDecoder();
  const bytes: number[] = [];
  for (const byte of body) bytes.push(...decoder.push(Uint8Array.of(byte)));
  assert.equal(dec(new Uint8Array(bytes)), "one two three");
  const whole = createChunkedDecoder().push(body);
  assert.equal(dec(whole), "one two three");
});

Deno.test("chunked: bytes after the end are ignored; upper-case hex sizes are read", () => {
  const decoder = createChunkedDecoder();
  const out = decoder.push(enc(`A\r\n0123456789\r\n0\r\n\r\nGARBAGE`));
  assert.equal(dec(out), "0123456789");
  assert.ok(decoder.done);
  assert.equal(decoder.push(enc("more")).length, 0);
});

Deno.test("chunked: malformed bodies are errors that say what was wrong", () => {
  const cases: [string, RegExp][] = [
    ["zz\r\nabc\r\n", /bad chunk size "zz"/],
    ["3\r\nabcdef\r\n", /longer than its size/],
    ["3\r\nabc\rX", /lacks its LF/],
    [`${"1".repeat(9000)}`, /too long/],
  ];
  for (const [body, message] of cases) {
    assert.throws(() => createChunkedDecoder().push(enc(body)), (e: Error) => {
      assert.ok(e instanceof ChunkedEncodingError);
      assert.match(e.message, message);
      return true;
    });
  }
});
