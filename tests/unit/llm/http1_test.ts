/**
 * The raw HTTP/1.1 transport against real servers on 127.0.0.1: Deno.serve for well-formed
 * answers, and a TCP listener that writes exact bytes for the awkward ones.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { http1Request } from "../../../lib/http/http1.ts";
import { upstreamFetch } from "../../../lib/llm/http1.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** A TCP server that answers each connection with `answer` (and records the request head). */
function rawServer(answer: (conn: Deno.Conn, request: string) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[] = [];
  const closed: Promise<void>[] = [];
  (async () => {
    for await (const conn of listener) {
      closed.push((async () => {
        const buf = new Uint8Array(65536);
        let request = "";
        while (!request.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) break;
          request += new TextDecoder().decode(buf.subarray(0, n));
        }
        requests.push(request);
        try {
          await answer(conn, request);
        } catch { /* the client went away */ }
        try {
          conn.close();
        } catch { /* closed */ }
      })());
    }
  })();
  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: new URL(`http://127.0.0.1:${port}/v1/chat/completions?x=1`),
    requests,
    async [Symbol.asyncDispose]() {
      listener.close();
      await Promise.allSettled(closed);
    },
  };
}

/** Writes `text` in pieces of `size` bytes, each its own write. */
async function dribble(conn: Deno.Conn, text: string, size: number) {
  const bytes = enc(text);
  for (let at = 0; at < bytes.length; at += size) {
    await conn.write(bytes.subarray(at, at + size));
    await new Promise((r) => setTimeout(r, 0));
  }
}

Deno.test("http1: sends method, path, query, headers and body; reads a chunked stream", async () => {
  let seen: { method: string; url: string; headers: Headers; body: string } | undefined;
  const events = Array.from({ length: 200 }, (_, i) => `data: {"n":${i}}\n\n`);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body: await req.text() };
      return new Response(
        new ReadableStream({
          start(c) {
            for (const e of events) c.enqueue(enc(e)); // one HTTP chunk per event
            c.close();
          },
        }),
        { status: 200, headers: { "content-type": "text/event-stream", "x-request-id": "req_1" } },
      );
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/v1/chat/completions?stream=1`;
  const res = await upstreamFetch(url, {
    method: "post",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: '{"model":"m","messages":[]}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-request-id"), "req_1");
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = res.body!.getReader();
  let text = "";
  let reads = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    reads++;
    text += new TextDecoder().decode(value);
  }
  assert.equal(text, events.join(""));
  // Chunks that arrived together come out together: fewer reads than HTTP chunks.
  assert.ok(reads < events.length, `${reads} reads for ${events.length} chunks`);
  assert.equal(seen?.method, "POST");
  assert.equal(seen?.url, url);
  assert.equal(seen?.headers.get("authorization"), "Bearer sk-test");
  assert.equal(seen?.headers.get("content-length"), "27");
  assert.equal(seen?.body, '{"model":"m","messages":[]}');
});

Deno.test("http1: a content-length body, a 204 and an error status are answered like fetch", async () => {
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/empty") return new Response(null, { status: 204 });
    if (path === "/limited") {
      return Response.json({ error: { message: "Rate limit" } }, {
        status: 429,
        headers: { "retry-after": "7" },
      });
    }
    return Response.json({ data: [{ id: "gpt-4o" }] });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const models = await upstreamFetch(`${base}/v1/models`);
  assert.equal(models.status, 200);
  assert.deepEqual(await models.json(), { data: [{ id: "gpt-4o" }] });
  const empty = await upstreamFetch(`${base}/empty`, { method: "DELETE" });
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  const limited = await upstreamFetch(`${base}/limited`);
  assert.equal(limited.status, 429);
  assert.equal(limited.statusText, "Too Many Requests");
  assert.equal(limited.headers.get("retry-after"), "7");
  assert.deepEqual(await limited.json(), { error: { message: "Rate limit" } });
});

Deno.test("http1: a head and chunks split at odd places, after a 100 Continue", async () => {
  const body = "data: one\n\ndata: two, ü\n\n";
  const size = enc(body).length.toString(16);
  await using server = rawServer(async (conn) => {
    await dribble(
      conn,
      "HTTP/1.1 100 Continue\r\n\r\n" +
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n" +
        `X-Multi: a\r\nX-Multi: b\r\n\r\n${size}\r\n${body}\r\n0\r\n\r\n`,
      3,
    );
  });
  const res = await http1Request(server.url, { method: "POST", body: "{}" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-multi"), "a, b");
  assert.equal(await res.text(), body);
  assert.match(server.requests[0], /^POST \/v1\/chat\/completions\?x=1 HTTP\/1\.1\r\n/);
  assert.match(server.requests[0], /\r\nhost: 127\.0\.0\.1:\d+\r\n/);
  assert.match(server.requests[0], /\r\nconnection: close\r\n/);
});

Deno.test("http1: a body without length ends at the close; one cut short is an error", async () => {
  await using untilClose = rawServer(async (conn) => {
    await dribble(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", 4);
  });
  assert.equal(await (await http1Request(untilClose.url, {})).text(), "all of it");

  await using cutChunked = rawServer(async (conn) => {
    await dribble(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly half", 5);
  });
  const chunked = await http1Request(cutChunked.url, {});
  await assert.rejects(chunked.text(), (e: Error) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /cut off/);
    return true;
  });

  await using cutLength = rawServer(async (conn) => {
    await dribble(conn, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 5);
  });
  await assert.rejects((await http1Request(cutLength.url, {})).text(), /cut off/);

  await using badHead = rawServer(async (conn) => {
    await dribble(conn, "SMTP ready\r\n\r\n", 100);
  });
  await assert.rejects(http1Request(badHead.url, {}), /invalid HTTP status line "SMTP ready"/);

  await using badChunk = rawServer(async (conn) => {
    await dribble(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 100);
  });
  const res = await http1Request(badChunk.url, {});
  await assert.rejects(
    res.text(),
    (e: Error) => e instanceof TypeError && /bad chunk size/.test(e.message),
  );
});

Deno.test("http1: a gzip body the server sent anyway is decoded", async () => {
  const text = "data: compressed\n\n".repeat(50);
  const gz = gzipSync(enc(text));
  await using server = rawServer(async (conn) => {
    await conn.write(
      enc(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`),
    );
    await conn.write(gz);
  });
  const res = await http1Request(server.url, {});
  assert.equal(await res.text(), text);
  assert.match(server.requests[0], /\r\naccept-encoding: identity\r\n/);
});

Deno.test("http1: nothing listening is a TypeError that says the connection was refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await assert.rejects(upstreamFetch(`http://127.0.0.1:${port}/v1/models`), (e: Error) => {
    assert.ok(e instanceof TypeError);
    assert.match(`${e.message} ${(e.cause as Error)?.message}`, /refused/i);
    return true;
  });
});

Deno.test("http1: an abort before the head or during the body rejects with the signal's reason and closes", async () => {
  const serverSawClose: Promise<void>[] = [];
  await using server = rawServer(async (conn, request) => {
    if (request.includes("/hang-body")) {
      await conn.write(enc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"));
    }
    // Wait for the client to close its side.
    serverSawClose.push((async () => {
      while (await conn.read(new Uint8Array(1024)) !== null) { /* drain */ }
    })());
    await serverSawClose.at(-1);
  });
  const before = new AbortController();
  const pending = http1Request(new URL("/hang-head", server.url), { signal: before.signal });
  setTimeout(() => before.abort(), 20);
  await assert.rejects(pending, (e: Error) => e.name === "AbortError");

  const during = new AbortController();
  const res = await http1Request(new URL("/hang-body", server.url), { signal: during.signal });
  const reader = res.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), "first");
  const next = reader.read();
  during.abort();
  await assert.rejects(next, (e: Error) => e.name === "AbortError");
  await Promise.all(serverSawClose);
  assert.equal(serverSawClose.length, 2);

  const already = new AbortController();
  already.abort();
  await assert.rejects(http1Request(server.url, { signal: already.signal }), {
    name: "AbortError",
  });
});

Deno.test("http1: upstreamFetch leaves https and Request objects to fetch", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => new Response(`via ${req.headers.get("connection") ?? "pool"}`),
  );
  const base = `http://127.0.0.1:${server.addr.port}/`;
  // A Request object is passed to fetch as is (fetch keeps its connection alive).
  assert.equal(await (await upstreamFetch(new Request(base))).text(), "via pool");
  assert.equal(await (await upstreamFetch(base)).text(), "via close");
  // https is fetch's: it fails here on TLS, not with this module's errors.
  await assert.rejects(upstreamFetch(`https://127.0.0.1:${server.addr.port}/`), (e: Error) => {
    assert.doesNotMatch(e.message, /error reading the response/);
    return true;
  });
});

Deno.test("http1: a host name whose connect was refused is left to fetch from then on", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = probe.addr as Deno.NetAddr;
  probe.close();
  // Refused by name: fetch gets a try too (it tries every address of the name), and says so.
  await assert.rejects(upstreamFetch(`http://localhost:${port}/`), TypeError);
  await using _server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    (req) => new Response(`via ${req.headers.get("connection") ?? "pool"}`),
  );
  assert.equal(await (await upstreamFetch(`http://localhost:${port}/`)).text(), "via pool");
  // An IP address is not affected.
  assert.equal(await (await upstreamFetch(`http://127.0.0.1:${port}/`)).text(), "via close");
});
