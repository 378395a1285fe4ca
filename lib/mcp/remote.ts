/**
 * Remote MCP servers: Streamable HTTP through the SDK's client transport, and the older
 * HTTP+SSE transport where the server only has that (a 4xx answer to the first POST, as the
 * spec's backwards-compatibility section says).
 *
 * Every request the SDK makes goes through {@linkcode originFetch}: to the added origin only
 * (an SSE server's `endpoint` event or a redirect cannot send rungpt elsewhere), no redirects
 * followed, the stored headers added, and each message bounded in size while it streams in.
 * @module
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

/** What a remote server's requests may do. */
export interface RemoteOptions {
  /** The server's URL (checked by the config: https, or http to loopback). */
  url: string;
  /** Stored headers (e.g. Authorization), sent with every request. */
  headers: Record<string, string>;
  /** The longest message (one JSON body, or one SSE event) the server may send, in bytes. */
  maxMessageBytes: number;
  /** Ends every request, and refuses new ones, once the connection is closed. */
  closed?: AbortSignal;
}

/** A request or answer that rungpt refuses: another origin, a redirect, an overlong message. */
export class RemoteRefused extends Error {
  override name = "RemoteRefused";
}

/**
 * A `fetch` for the SDK that reaches `opts.url`'s origin only.
 *
 * @example
 * ```ts
 * const fetch = originFetch({ url, headers: {}, maxMessageBytes: 1 << 20 });
 * new StreamableHTTPClientTransport(new URL(url), { fetch });
 * ```
 */
export function originFetch(opts: RemoteOptions): typeof fetch {
  const origin = new URL(opts.url).origin;
  return async (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    if (target.origin !== origin) {
      throw new RemoteRefused(`refused a request to ${target.origin}: only ${origin} was added`);
    }
    if (opts.closed?.aborted) throw new RemoteRefused("the connection to the server is closed");
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(opts.headers)) headers.set(name, value);
    const signals = [init?.signal, opts.closed].filter((s): s is AbortSignal => !!s);
    const signal = signals.length ? AbortSignal.any(signals) : undefined;
    const response = await fetch(target, { ...init, headers, signal, redirect: "manual" });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const to = response.headers.get("location") ?? "(no location)";
      throw new RemoteRefused(
        `the server redirected to ${to}; rungpt follows no redirects: add the final URL instead`,
      );
    }
    if (!response.body) return response;
    return new Response(response.body.pipeThrough(messageLimit(opts.maxMessageBytes)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * Fails a body once a message in it (the bytes between SSE's blank lines, or a whole JSON
 * body) is longer than `max`, so a hostile server cannot make rungpt buffer without end.
 */
export function messageLimit(max: number): TransformStream<Uint8Array, Uint8Array> {
  let run = 0;
  let lastWasNewline = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (const byte of chunk) {
        if (byte === 0x0d) continue;
        const newline = byte === 0x0a;
        run = newline && lastWasNewline ? 0 : run + 1;
        lastWasNewline = newline;
      }
      if (run > max) {
        controller.error(
          new RemoteRefused(`a message from the server is over the limit of ${max} bytes`),
        );
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * Connects `client` to a remote server: Streamable HTTP first, then HTTP+SSE if the server
 * answers the first POST with a 4xx other than 401/403 (those are about the headers).
 * `newClient` gives a fresh client for the second try (a client connects once).
 *
 * @example
 * ```ts
 * const { client, transport } = await connectRemote(opts, () => new Client(info), 60_000);
 * ```
 */
export async function connectRemote(
  opts: RemoteOptions,
  newClient: () => Client,
  timeoutMs: number,
): Promise<{ client: Client; transport: Transport; kind: "streamable-http" | "sse" }> {
  const url = new URL(opts.url);
  const first = newClient();
  const streamable = open((fetch) => new StreamableHTTPClientTransport(url, { fetch }));
  try {
    await first.connect(streamable, { timeout: timeoutMs });
    return { client: first, transport: streamable, kind: "streamable-http" };
  } catch (e) {
    await streamable.close().catch(() => {});
    if (!isFallbackStatus(httpStatus(e))) throw explain(e);
  }
  const second = newClient();
  const sse = open((fetch) => new SSEClientTransport(url, { fetch }));
  try {
    await second.connect(sse, { timeout: timeoutMs });
  } catch (e) {
    await sse.close().catch(() => {});
    throw explain(e, "it answered neither Streamable HTTP nor HTTP+SSE: ");
  }
  return { client: second, transport: sse, kind: "sse" };

  /**
   * A transport made with its own origin-only fetch, whose `close` also ends that fetch's
   * requests: the SDK may still hold a standing GET stream, or start a reconnection after
   * close, and a closed server's connections must not linger.
   */
  function open<T extends Transport>(make: (fetch: typeof globalThis.fetch) => T): T {
    const closed = new AbortController();
    const transport = make(originFetch({ ...opts, closed: closed.signal }));
    const close = transport.close.bind(transport);
    transport.close = async () => {
      closed.abort();
      await close();
    };
    return transport;
  }
}

/** The HTTP status of the SDK's error for an unexpected answer, if that is what `e` is. */
function httpStatus(e: unknown): number | undefined {
  return e instanceof StreamableHTTPError ? (e as { code?: number }).code : undefined;
}

function isFallbackStatus(code: number | undefined): boolean {
  return code !== undefined && code >= 400 && code < 500 && code !== 401 && code !== 403;
}

/** The SDK's errors in words: an unauthorised answer points at the headers. */
function explain(e: unknown, prefix = ""): Error {
  const code = httpStatus(e);
  if (code === 401 || code === 403) {
    return new Error(
      `${prefix}the server answered ${code} (not authorised); check the --header values, e.g. Authorization`,
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new Error(prefix + message);
}
