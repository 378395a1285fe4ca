/**
 * The transport the `openai` client uses for plain-`http:` upstreams (Ollama, llama.cpp,
 * vLLM, LM Studio, a server on the LAN): the raw HTTP/1.1 client of `lib/http/http1.ts`, with
 * `fetch`'s signature.
 *
 * Why: Deno's `fetch` hands a streamed body to JavaScript one HTTP chunk per read, and a model
 * server writes one chunk per token, so relaying 1,000 tokens cost ~25-40 µs of CPU per token
 * in reads alone, however far behind the reader was. Reading the socket instead returns
 * everything that has arrived in one read: a busy server pays per read, not per token (see
 * docs/benchmarks.md). `https:` upstreams, requests through a proxy and bodies other than
 * text or bytes go to `fetch` as before.
 *
 * One request per connection (`connection: close`): a loopback or LAN connect is cheap next
 * to a completion, and nothing pooled can go stale. Every answer, whichever way it came, is
 * read within the limits of `response_limits.ts`.
 * @module
 */
import { ConnectError, http1Request } from "../http/http1.ts";
import { limitResponse } from "./response_limits.ts";

/** A `fetch`-compatible function. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * `fetch`, over a raw HTTP/1.1 connection when the request allows it (see the module doc).
 *
 * @example
 * ```ts
 * const client = new OpenAI({ baseURL: "http://127.0.0.1:11434/v1", fetch: upstreamFetch });
 * ```
 */
export const upstreamFetch: FetchFn = async (input, init) => {
  const url = new URL(typeof input === "object" && !(input instanceof URL) ? input.url : input);
  // Whatever carried it, no answer is read past rungpt's limits (see response_limits.ts).
  return limitResponse(await transportFetch(input, init), url.origin);
};

/** The answer of `fetch` or of the raw HTTP/1.1 client, as the module doc says. */
function transportFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (typeof input === "object" && !(input instanceof URL)) return fetch(input, init);
  const url = new URL(String(input));
  const body = init?.body ?? null;
  const simpleBody = body === null || typeof body === "string" || body instanceof Uint8Array;
  if (url.protocol !== "http:" || !simpleBody || proxied() || fetchOnly.has(url.host)) {
    return fetch(input, init);
  }
  return http1Request(url, { ...init, body: body as string | Uint8Array | null }).catch((e) => {
    // `Deno.connect` tries a name's first address only; `fetch` tries them all (`localhost`
    // may be ::1 first while the server listens on 127.0.0.1).
    if (!(e instanceof ConnectError) || isIpLiteral(url.hostname)) throw e;
    fetchOnly.add(url.host);
    return fetch(input, init);
  });
}

// Hosts by name whose first address refused a connection: `fetch` serves them from then on.
const fetchOnly = new Set<string>();

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname);
}

/** The proxy settings `fetch` honours: with one set, requests go through `fetch`. */
function proxied(): boolean {
  try {
    return ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"].some((v) => !!Deno.env.get(v));
  } catch {
    return false; // no env permission: fetch could not read them either
  }
}
