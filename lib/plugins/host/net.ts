/**
 * `rungpt:net`: HTTP requests to the hosts the manifest allows and the user granted.
 *
 * Function: `request {method?, url, headers?, body?}` → `{status, headers, body, url}` (body as
 * UTF-8 text; `url` is the final URL after redirects).
 *
 * Every hop is checked: http(s) only; the host must match an allowed entry (`example.com`,
 * `*.example.com` for subdomains, optionally `:port`); every address the name resolves to must be
 * public unless the grants allow private networks (loopback, RFC 1918, CGNAT, link-local,
 * unique-local, multicast, IPv4-mapped/compatible/NAT64/6to4 forms of those). Redirects are
 * followed by hand (at most 5), credentials dropped when the origin changes. The response body is
 * capped at `limits.httpResponseBytes`, the whole request at `limits.httpTimeoutMs` and the call's
 * own deadline.
 *
 * The request goes to exactly the address that was checked (no second lookup a DNS rebinding
 * could answer differently): rungpt resolves the name once (`Deno.resolveDns`, A and AAAA, which
 * reads the hosts file before DNS; `localhost` is loopback), checks every address, connects to one of them, and speaks HTTP/1.1 over that
 * connection (`lib/http/http1.ts`), over TLS for https with the URL's host name for SNI and the
 * certificate check. Proxy settings of the environment are not used.
 * @module
 */
import { concatBytes } from "../../http/bytes.ts";
import { connectTcp, http1Request } from "../../http/http1.ts";
import { type ApiDefinition, type HostCall, parseRequest, requireString } from "../registry.ts";

/** How `rungpt:net` reaches the network; the defaults are DNS and TCP, tests replace them. */
export interface NetDeps {
  /**
   * The addresses of a host name (default: `Deno.resolveDns` A and AAAA, hosts file included;
   * `localhost` is loopback).
   */
  resolve?: (hostname: string, signal: AbortSignal) => Promise<string[]>;
  /** Opens a TCP connection to a checked address (default `Deno.connect`). */
  connect?: (address: string, port: number, signal: AbortSignal) => Promise<Deno.Conn>;
  /** Extra root certificates (PEM) for https, beyond the system's (tests). */
  caCerts?: string[];
}

const MAX_REDIRECTS = 5;
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** A request rungpt refused (scheme, credentials, host not allowed, private address). */
export class NetRefusal extends Error {
  override name = "NetRefusal";
}

/** Whether `hostname` (and `port`) match one allowed-host entry. */
export function hostMatches(entry: string, hostname: string, port: string): boolean {
  let pattern = entry.toLowerCase();
  let wantPort: string | null = null;
  const m = /^(.*):(\d+)$/.exec(pattern);
  if (m && !pattern.includes("]") && m[1].indexOf(":") === -1) {
    pattern = m[1];
    wantPort = m[2];
  }
  if (wantPort !== null && wantPort !== port) return false;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  pattern = pattern.replace(/^\[|\]$/g, "");
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const nums = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return nums.every((n) => n >= 0 && n <= 255) ? nums : null;
}

function parseIPv6(s: string): number[] | null {
  let text = s.toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!text.includes(":")) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = parseIPv4(tail[1]);
    if (!v4) return null;
    text = text.slice(0, -tail[1].length) +
      ((v4[0] << 8) | v4[1]).toString(16) + ":" + ((v4[2] << 8) | v4[3]).toString(16);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const nums = groups.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  return nums.every((n) => !Number.isNaN(n)) ? nums : null;
}

function privateV4([a, b, c]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19));
}

/**
 * Whether an IP address literal is not a public unicast address (IPv4 or IPv6, including
 * IPv4-mapped forms). Unparseable input counts as private.
 *
 * @example
 * ```ts
 * isPrivateAddress("::ffff:127.0.0.1"); // true
 * isPrivateAddress("93.184.216.34"); // false
 * ```
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return privateV4(v4);
  const g = parseIPv6(ip);
  if (!g) return true;
  const embedded = [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
    // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), :: and ::1
    if (g[5] === 0 && g[6] === 0) return true;
    return privateV4(embedded);
  }
  // ::ffff:0:a.b.c.d (IPv4-translated)
  if (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) {
    return privateV4(embedded);
  }
  if (g[0] === 0x64 && g[1] === 0xff9b) return privateV4(embedded); // NAT64, incl. 64:ff9b:1::/48
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo: a tunnel to an address it hides
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return true; // discard 100::/64
  if (g[0] === 0x2002) return privateV4([g[1] >> 8, g[1] & 0xff, g[2] >> 8, g[2] & 0xff]); // 6to4
  return (g[0] & 0xfe00) === 0xfc00 || // unique-local fc00::/7
    (g[0] & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g[0] & 0xffc0) === 0xfec0 || // site-local (deprecated)
    (g[0] & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x2001 && g[1] === 0xdb8); // documentation
}

/** The addresses a URL's host stands for: itself if it is an address, else what it resolves to. */
async function addressesOf(
  deps: NetDeps,
  hostname: string,
  signal: AbortSignal,
): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (parseIPv4(host) || parseIPv6(host)) return [host];
  const addrs = await (deps.resolve ?? resolveDns)(host, signal);
  if (addrs.length === 0) throw new Error(`could not resolve ${host}`);
  return addrs;
}

async function resolveDns(host: string, signal: AbortSignal): Promise<string[]> {
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower.endsWith(".localhost")) return ["127.0.0.1", "::1"];
  const results = await Promise.allSettled([
    Deno.resolveDns(host, "A", { signal }),
    Deno.resolveDns(host, "AAAA", { signal }),
  ]);
  return results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
}

function allowedHosts(ctx: HostCall): string[] {
  const declared = ctx.plugin.manifest.permissions.net?.hosts ?? [];
  const granted = ctx.plugin.grants.netHosts;
  return granted ? declared.filter((h) => granted.includes(h)) : declared;
}

/** Checks one hop; returns the addresses the request may connect to. */
async function checkHop(
  deps: NetDeps,
  ctx: HostCall,
  url: URL,
  signal: AbortSignal,
): Promise<string[]> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NetRefusal(`${url.protocol} URLs are not allowed (only http and https)`);
  }
  if (url.username || url.password) throw new NetRefusal("URLs with credentials are not allowed");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const hosts = allowedHosts(ctx);
  if (!hosts.some((h) => hostMatches(h, url.hostname, port))) {
    throw new NetRefusal(
      `host ${url.host} is not allowed (allowed: ${hosts.length ? hosts.join(", ") : "none"})`,
    );
  }
  const addresses = await addressesOf(deps, url.hostname, signal);
  if (ctx.plugin.grants.allowPrivateNetwork) return addresses;
  for (const addr of addresses) {
    if (isPrivateAddress(addr)) {
      throw new NetRefusal(
        `host ${url.host} resolves to the private address ${addr}; private networks were not granted`,
      );
    }
  }
  return addresses;
}

/**
 * Connects to one of `addresses` (all checked), then, for https, TLS with the URL's host name
 * (SNI and the certificate check are for the name, not the address).
 */
async function connectChecked(
  deps: NetDeps,
  url: URL,
  addresses: string[],
  signal: AbortSignal,
): Promise<Deno.Conn> {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const connect = deps.connect ??
    ((address: string, p: number, s: AbortSignal) => connectTcp(address, p, url, s));
  let tcp: Deno.Conn | undefined;
  let failure: unknown;
  for (const address of addresses) {
    try {
      tcp = await connect(address, port, signal);
      break;
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      failure = e;
    }
  }
  if (!tcp) {
    throw new Error(
      `could not connect to ${addresses.join(" or ")} port ${port}: ${(failure as Error).message}`,
    );
  }
  if (url.protocol !== "https:") return tcp;
  const conn = tcp;
  const drop = () => {
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  signal.addEventListener("abort", drop, { once: true });
  try {
    const tls = await Deno.startTls(conn as Deno.TcpConn, {
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      caCerts: deps.caCerts,
      alpnProtocols: ["http/1.1"],
    });
    await tls.handshake(); // here, so a bad certificate is reported as such
    return tls;
  } catch (e) {
    drop();
    if (signal.aborted) throw signal.reason;
    throw new Error(`TLS with ${url.hostname} failed: ${(e as Error).message}`);
  } finally {
    signal.removeEventListener("abort", drop);
  }
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`response body exceeds the ${max}-byte limit`);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/** One HTTP request a plugin asks for, through `rungpt:net` or Extism's `http_request`. */
export interface CheckedRequest {
  /** Absolute http(s) URL. */
  url: string;
  /** Default `GET`. */
  method?: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent for methods other than GET and HEAD. */
  body?: string | Uint8Array;
}

/** The final response of a {@link CheckedRequest}, after redirects. */
export interface CheckedResponse {
  status: number;
  headers: Record<string, string>;
  /** At most `limits.httpResponseBytes`. */
  body: Uint8Array;
  /** The final URL, after redirects. */
  url: string;
}

/** Sends one request with every check of `rungpt:net`; throws an Error naming what was refused. */
export type CheckedFetch = (ctx: HostCall, req: CheckedRequest) => Promise<CheckedResponse>;

function requestHeaders(raw: unknown, what: string): Headers {
  const headers = new Headers();
  if (raw === undefined || raw === null) return headers;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${what}: "headers" must be an object of strings`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw new Error(`${what}: header "${k}" must be a string`);
    if (k.toLowerCase() === "host") continue;
    headers.set(k, v);
  }
  // What fetch would send; the plugin may set its own.
  if (!headers.has("user-agent")) headers.set("user-agent", "rungpt");
  if (!headers.has("accept")) headers.set("accept", "*/*");
  return headers;
}

/** Parses `rungpt:net request`'s JSON into a {@link CheckedRequest}. */
function parseNetRequest(input: string): CheckedRequest {
  const what = "rungpt:net request";
  const req = parseRequest(input, what);
  const url = requireString(req, "url", what);
  if (req.method !== undefined && typeof req.method !== "string") {
    throw new Error(`${what}: "method" must be a string`);
  }
  if (req.body !== undefined && req.body !== null && typeof req.body !== "string") {
    throw new Error(`${what}: "body" must be a string`);
  }
  requestHeaders(req.headers, what); // reports a bad header here, with this API's name
  return {
    url,
    method: req.method as string | undefined,
    headers: req.headers as Record<string, string> | undefined,
    body: (req.body ?? undefined) as string | undefined,
  };
}

async function fetchChecked(
  deps: NetDeps,
  ctx: HostCall,
  req: CheckedRequest,
): Promise<CheckedResponse> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch (e) {
    throw new Error(`request: ${(e as Error).message}`);
  }
  let method = (req.method ?? "GET").toUpperCase();
  if (!METHODS.includes(method)) throw new Error(`request: unsupported method ${method}`);
  let body = req.body;
  const headers = requestHeaders(req.headers, "request");

  const limits = ctx.plugin.limits;
  const budget = Math.min(limits.httpTimeoutMs, Math.max(0, ctx.call.deadline - performance.now()));
  const controller = new AbortController();
  const onAbort = () => controller.abort(new Error("the call was cancelled"));
  ctx.call.signal.addEventListener("abort", onAbort);
  const timer = setTimeout(
    () => controller.abort(new Error(`request timed out after ${Math.round(budget)} ms`)),
    budget,
  );
  const signal = controller.signal;
  try {
    for (let hop = 0;; hop++) {
      const addresses = await checkHop(deps, ctx, url, signal);
      const target = url;
      const res = await http1Request(target, {
        method,
        headers,
        body: method === "GET" || method === "HEAD" ? undefined : body,
        signal,
      }, { connect: () => connectChecked(deps, target, addresses, signal) });
      const location = res.headers.get("location");
      if ([301, 302, 303, 307, 308].includes(res.status) && location) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, url);
        if (next.origin !== url.origin) {
          for (const h of ["authorization", "cookie", "proxy-authorization"]) headers.delete(h);
        }
        if (
          res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")
        ) {
          if (method !== "HEAD") method = "GET";
          body = undefined;
          headers.delete("content-type");
        }
        url = next;
        continue;
      }
      const bytes = await readCapped(res, limits.httpResponseBytes);
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: bytes,
        url: url.href,
      };
    }
  } catch (e) {
    const reason = signal.aborted && signal.reason instanceof Error ? signal.reason : e;
    const Failure = reason instanceof NetRefusal ? NetRefusal : Error;
    throw new Failure(`request to ${url.href}: ${(reason as Error).message}`);
  } finally {
    clearTimeout(timer);
    ctx.call.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The checked HTTP client behind `rungpt:net` and Extism's `http_request`: allowed hosts, the
 * user's grant, private addresses, redirects, size and time caps (see the module docs).
 *
 * @example
 * ```ts
 * const res = await checkedFetch()(ctx, { url: "https://api.example.com/x" });
 * ```
 */
export function checkedFetch(deps: NetDeps = {}): CheckedFetch {
  return (ctx, req) => fetchChecked(deps, ctx, req);
}

async function request(fetch: CheckedFetch, ctx: HostCall, input: string): Promise<unknown> {
  const req = parseNetRequest(input);
  try {
    const res = await fetch(ctx, req);
    return { ...res, body: new TextDecoder().decode(res.body) };
  } catch (e) {
    throw new Error(`rungpt:net ${(e as Error).message}`);
  }
}

/**
 * The `rungpt:net` API definition; `deps` replace DNS, TCP or the trusted certificates (tests).
 *
 * @example
 * ```ts
 * registerApi(registry, netApi());
 * ```
 */
export function netApi(deps: NetDeps = {}): ApiDefinition {
  const fetch = checkedFetch(deps);
  return {
    specifier: "rungpt:net",
    description: "HTTP requests to the hosts the plugin declares",
    functions: { request: (ctx, input) => request(fetch, ctx, input) },
  };
}
