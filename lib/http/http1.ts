/**
 * A small HTTP/1.1 client over one connection per request, with `fetch`'s answer shape: the
 * response head as a `Response` whose body streams as the bytes arrive (one socket read returns
 * everything that has arrived, not one chunk per read as Deno's `fetch` does). The connection
 * is TCP to the URL's host by default, or whatever the caller opens (`rungpt:net` connects to
 * the address it checked, over TLS for https). Requests ask for `connection: close`.
 *
 * The lowest layer: `lib/llm` (the model transport) and `lib/plugins` (`rungpt:net`) use it.
 *
 * Why hand-written rather than a library or `fetch`: `rungpt:net` must connect to the very
 * address it checked (no second DNS lookup a hostile name could answer differently), which needs
 * the connection under the client's control; and reading whatever has arrived per socket read cut
 * the relay's CPU from 55 to 8 ms per 1,000 tokens (docs/benchmarks.md).
 * @module
 */
import { setImmediate } from "node:timers";
import { ChunkedEncodingError, createChunkedDecoder } from "./chunked.ts";

/** The longest response head (status line and headers) accepted. */
const MAX_HEAD = 64 * 1024;
// Up to ~60 events of a chat stream per read: large enough that a busy server pays per read,
// small enough that one stream's read does not hold up the others for long.
const READ_SIZE = 16 * 1024;
const encoder = new TextEncoder();

/** A connection could not be opened (the request was not sent). */
export class ConnectError extends TypeError {}

/** Options of {@linkcode http1Request}: `fetch`'s, with a text or bytes body. */
export type Http1Init = Omit<RequestInit, "body"> & { body?: string | Uint8Array | null };

/** Options of {@linkcode http1Request} beyond `fetch`'s. */
export interface Http1Options {
  /**
   * Opens the connection to send the request on (default: TCP to the URL's host and port, see
   * {@linkcode connectTcp}). `rungpt:net` connects to the address it checked, over TLS for
   * https. It should reject with the signal's reason when the signal aborts.
   */
  connect?: (signal: AbortSignal | undefined) => Promise<Deno.Conn>;
}

/**
 * Sends one request over a new connection and answers as `fetch` would: the promise settles
 * with the head; the body streams; network failures are `TypeError`s; an abort rejects with
 * the signal's reason, before or after the head.
 *
 * @example
 * ```ts
 * const res = await http1Request(new URL("http://127.0.0.1:8080/v1/models"), {});
 * ```
 */
export async function http1Request(
  url: URL,
  init: Http1Init,
  opts: Http1Options = {},
): Promise<Response> {
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const method = (init.method ?? "GET").toUpperCase();
  const body = typeof init.body === "string" ? encoder.encode(init.body) : init.body ?? null;
  const headers = new Headers(init.headers);
  headers.set("host", url.host);
  headers.set("connection", "close");
  // Compressed event streams would be held back by the compressor: ask for none.
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  headers.delete("transfer-encoding");
  if (body) headers.set("content-length", String(body.length));
  else if (method !== "GET" && method !== "HEAD") headers.set("content-length", "0");
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  head += "\r\n";

  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const connect = opts.connect ??
    ((s: AbortSignal | undefined) => connectTcp(hostname, Number(url.port || 80), url, s));
  const conn = await connect(signal);
  const reader = new ConnReader(conn, url, signal);
  try {
    await writeAll(conn, concat(encoder.encode(head), body));
    let parsed = parseHead(await reader.readHead());
    while (parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101) {
      parsed = parseHead(await reader.readHead()); // 100 Continue and other interim answers
    }
    const noBody = method === "HEAD" || parsed.status === 204 || parsed.status === 304;
    const stream = noBody ? null : bodyStream(reader, parsed.headers);
    if (!stream) reader.close();
    const response = new Response(decoded(stream, parsed.headers), {
      status: parsed.status,
      statusText: parsed.statusText,
      headers: parsed.headers,
    });
    return response;
  } catch (e) {
    reader.close();
    throw reader.failure(e);
  }
}

/**
 * Opens a TCP connection to `hostname:port`, giving up when `signal` aborts (with its reason);
 * a failure to connect is a {@linkcode ConnectError} naming `url`.
 *
 * @example
 * ```ts
 * const conn = await connectTcp("127.0.0.1", 8080, new URL("http://127.0.0.1:8080/"), signal);
 * ```
 */
export async function connectTcp(
  hostname: string,
  port: number,
  url: URL,
  signal: AbortSignal | undefined,
): Promise<Deno.TcpConn> {
  signal?.throwIfAborted();
  const connecting = Deno.connect({ hostname, port });
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([connecting, aborted]);
  } catch (e) {
    // A connection that opens after the abort is closed at once.
    connecting.then((conn) => conn.close(), () => {});
    if (signal?.aborted) throw signal.reason;
    throw new ConnectError(
      `error sending request for url (${url.href}): ${(e as Error).message}`,
      { cause: e },
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function concat(a: Uint8Array, b: Uint8Array | null): Uint8Array {
  if (!b?.length) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Reads the connection: whole heads, then whatever has arrived; closes on abort. */
class ConnReader {
  #pending: Uint8Array = new Uint8Array(0);
  #closed = false;
  #bodyReads = -1; // reads since the head was complete; the head's reads do not yield
  #onAbort = () => this.close();

  constructor(
    private conn: Deno.Conn,
    private url: URL,
    private signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Bytes already read past the head, then the next read; `null` at the end. */
  async read(): Promise<Uint8Array | null> {
    if (this.#pending.length) {
      const out = this.#pending;
      this.#pending = new Uint8Array(0);
      return out;
    }
    // A read of data that has already arrived completes without an event-loop turn, so a
    // fast upstream would hold the loop for its whole answer: from the second read of the
    // body on, other work gets a turn first.
    if (this.#bodyReads >= 0 && this.#bodyReads++ > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const buf = new Uint8Array(READ_SIZE);
    let n: number | null;
    try {
      n = await this.conn.read(buf);
    } catch (e) {
      throw this.failure(e);
    }
    if (this.signal?.aborted) throw this.signal.reason;
    return n === null ? null : buf.subarray(0, n);
  }

  /** The head, up to and including the empty line. */
  async readHead(): Promise<Uint8Array> {
    let data = this.#pending;
    this.#pending = new Uint8Array(0);
    let from = 0;
    for (;;) {
      const end = indexOfHeadEnd(data, from);
      if (end >= 0) {
        this.#pending = data.subarray(end);
        this.#bodyReads = 0;
        return data.subarray(0, end);
      }
      if (data.length > MAX_HEAD) {
        throw new TypeError(`${this.where()}: the response head is too large`);
      }
      from = Math.max(0, data.length - 3);
      const more = await this.read();
      if (!more) throw new TypeError(`${this.where()}: the connection closed before a response`);
      data = concat(data, more);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.signal?.removeEventListener("abort", this.#onAbort);
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** What to throw for `e`: the abort reason after an abort, else a network `TypeError`. */
  failure(e: unknown): unknown {
    if (this.signal?.aborted) return this.signal.reason;
    if (e instanceof TypeError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new TypeError(`${this.where()}: ${message}`, { cause: e });
  }

  where(): string {
    return `error reading the response from ${this.url.origin}`;
  }
}

function indexOfHeadEnd(data: Uint8Array, from: number): number {
  for (let i = from; i + 3 < data.length; i++) {
    if (data[i] === 13 && data[i + 1] === 10 && data[i + 2] === 13 && data[i + 3] === 10) {
      return i + 4;
    }
  }
  return -1;
}

interface ParsedHead {
  status: number;
  statusText: string;
  headers: Headers;
}

function parseHead(bytes: Uint8Array): ParsedHead {
  const lines = new TextDecoder("latin1").decode(bytes).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!status) throw new TypeError(`invalid HTTP status line "${lines[0].slice(0, 80)}"`);
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TypeError(`invalid HTTP header line "${line.slice(0, 80)}"`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(status[1]), statusText: status[2] ?? "", headers };
}

/** The body as it arrives: decoded from chunks, cut at its length, or up to the close. */
function bodyStream(reader: ConnReader, headers: Headers): ReadableStream<Uint8Array> {
  const chunked = /\bchunked\b/i.test(headers.get("transfer-encoding") ?? "");
  const lengthHeader = headers.get("content-length");
  let left = !chunked && lengthHeader !== null ? Number(lengthHeader) : Infinity;
  if (!Number.isSafeInteger(left) && left !== Infinity) {
    throw new TypeError(`invalid content-length "${lengthHeader}"`);
  }
  const decoder = chunked ? createChunkedDecoder() : null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (left > 0 && !decoder?.done) {
          const bytes = await reader.read();
          if (!bytes) {
            if (decoder || left !== Infinity) {
              throw new TypeError(`${reader.where()}: the body was cut off`);
            }
            break;
          }
          let out = decoder ? decoder.push(bytes) : bytes;
          if (out.length > left) out = out.subarray(0, left);
          left -= out.length;
          if (out.length) {
            controller.enqueue(out);
            if (left > 0 && !decoder?.done) return;
          }
        }
        reader.close();
        controller.close();
      } catch (e) {
        reader.close();
        const error = e instanceof ChunkedEncodingError
          ? new TypeError(`${reader.where()}: ${e.message}`)
          : reader.failure(e);
        controller.error(error);
      }
    },
    cancel() {
      reader.close();
    },
  }, { highWaterMark: 0 });
}

/** Undoes a `content-encoding` the server used though we asked for none. */
function decoded(
  stream: ReadableStream<Uint8Array> | null,
  headers: Headers,
): ReadableStream<Uint8Array> | null {
  const coding = headers.get("content-encoding")?.trim().toLowerCase();
  if (!stream || !coding || coding === "identity") return stream;
  if (coding !== "gzip" && coding !== "deflate") {
    throw new TypeError(`unsupported content-encoding "${coding}"`);
  }
  return stream.pipeThrough(
    new DecompressionStream(coding) as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
}
