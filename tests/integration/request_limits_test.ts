// What a request can make rungpt hold, beyond the body limits (api_conversations_test,
// v1_api_test): the request head, and how deep a JSON body nests.
import assert from "node:assert/strict";
import { MAX_LISTENERS } from "../../lib/chat/live.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

/** Sends `head` (and nothing more) on a new connection; returns the status line. */
async function statusLineFor(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // The server may answer (and close) before it has read the whole head.
    const writing = conn.write(new TextEncoder().encode(head)).catch(() => 0);
    const buf = new Uint8Array(256);
    const n = await conn.read(buf);
    await writing;
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0];
  } finally {
    conn.close();
  }
}

Deno.test("requests: a request head over 64 KiB is refused with 400", async () => {
  await using rg = await startRungpt();
  const port = rg.server.port;
  const head = (extra: string) =>
    `GET /api/conversations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`;
  assert.equal(
    await statusLineFor(port, head(`X-Pad: ${"a".repeat(8 * 1024)}\r\n`)),
    "HTTP/1.1 200 OK",
  );
  assert.equal(
    await statusLineFor(port, head(`X-Pad: ${"a".repeat(64 * 1024)}\r\n`)),
    "HTTP/1.1 400 Bad Request",
  );
  let many = "";
  for (let i = 0; i < 5000; i++) many += `X-H${i}: a\r\n`;
  assert.equal(await statusLineFor(port, head(many)), "HTTP/1.1 400 Bad Request");
});

Deno.test("requests: a JSON body nested 500,000 deep is no server error", async () => {
  await using model = await startScriptedModel({ responder: () => ({ text: "ok" }) });
  await using rg = await startRungpt({ model });
  const depth = 500_000;
  const deep = "[".repeat(depth) + "]".repeat(depth);
  // Passed through to the model server as it came (an unknown field of the request).
  const v1 = await fetch(rg.origin + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"metadata":${deep}}`,
  });
  assert.equal(v1.status, 200);
  assert.equal((await v1.json()).choices[0].message.content, "ok");
  // Refused by validation where the field has a shape.
  const ui = await rg.api("/api/conversations", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"title":${deep}}`,
  });
  assert.equal(ui.status, 400);
  await ui.body?.cancel();
  assert.deepEqual(rg.logs, []);
});

Deno.test("requests: a running turn keeps at most 32 event streams open; the 33rd is 429", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Hi", hang: true }] });
  await using rg = await startRungpt({ model });
  const conv = await (await rg.api("/api/conversations", { method: "POST", json: {} })).json();
  const sent = await rg.api(`/api/conversations/${conv.id}/messages`, {
    method: "POST",
    json: { content: "hi" },
  });
  assert.equal(sent.status, 202);
  await sent.body?.cancel();
  const open = () => rg.api(`/api/conversations/${conv.id}/events`);
  const streams: Response[] = [];
  try {
    for (let i = 0; i < MAX_LISTENERS; i++) {
      const res = await open();
      assert.equal(res.status, 200, `stream ${i + 1}`);
      streams.push(res);
    }
    const refused = await open();
    assert.equal(refused.status, 429);
    const body = await refused.json();
    assert.equal(body.kind, "too_many_streams");
    assert.match(body.error, /already has 32 open event streams; close some of its tabs/);
    // A closed stream makes room.
    await streams.pop()!.body?.cancel();
    let again: Response | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i++) {
      await again?.body?.cancel();
      again = await open(); // the server notices the close when it next writes
    }
    assert.equal(again?.status, 200);
    streams.push(again!);
  } finally {
    const stop = await rg.api(`/api/conversations/${conv.id}/stop`, { method: "POST" });
    await stop.body?.cancel();
    await Promise.all(streams.map((s) => s.body?.cancel()));
  }
});
