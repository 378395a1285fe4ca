/**
 * Guards for a local server that holds an API key: Host allow-list (DNS rebinding),
 * Origin check on state-changing requests (CSRF), and security headers.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** Hostnames every local server answers to. */
export const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** True for an address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** True for a wildcard bind address (all interfaces). */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

// One host and an optional port, nothing else: a bracketed IPv6 literal, or a DNS name / IPv4
// address (letters, digits, `-`, `_`, `.`), then `:` and up to five digits.
const HOST_HEADER =
  /^(\[[0-9a-f:.]+(?:%[0-9a-z._~-]+)?\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?)(?::(\d{1,5}))?$/;

/**
 * The lower-cased name in a Host header (`name`, `name:port`, `[v6]:port`), or `null` when the
 * header is not exactly one host with an optional port (a list, spaces, a path, user info, a
 * port past 65535), which a guard must refuse rather than guess at.
 *
 * @example
 * ```ts
 * hostName("LocalHost:8000"); // => "localhost"
 * hostName("localhost:8000, evil.example"); // => null
 * ```
 */
export function hostName(hostHeader: string): string | null {
  const match = HOST_HEADER.exec(hostHeader.trim().toLowerCase());
  if (!match) return null;
  const [, name, port] = match;
  if (port !== undefined && Number(port) > 65535) return null;
  return name;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/;

/**
 * Which Host names to accept: the loopback names, the bound host, and any extra names
 * (e.g. `RUNGPT_ALLOWED_HOSTS`). On a wildcard bind, IP literals are accepted too: DNS
 * rebinding needs a domain name, and such a server requires the access token anyway.
 */
export function hostAllowList(
  boundHost: string,
  extra: string[] = [],
): (name: string) => boolean {
  const names = new Set([...LOOPBACK_NAMES, ...extra.map((e) => e.toLowerCase())]);
  if (!isWildcardHost(boundHost)) {
    const bound = hostName(
      boundHost.includes(":") && !boundHost.startsWith("[") ? `[${boundHost}]` : boundHost,
    );
    if (bound) names.add(bound);
  }
  const wildcard = isWildcardHost(boundHost);
  return (name) => names.has(name) || (wildcard && IP_LITERAL.test(name));
}

/**
 * Refuses with 421 Misdirected Request any request whose Host header is missing, malformed
 * (not exactly one `host[:port]`) or not allowed.
 */
export function hostGuard(allowed: (name: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    const name = host === undefined ? null : hostName(host);
    if (name === null || !allowed(name)) {
      return c.json({ error: `Host "${host ?? ""}" is not allowed by this server.` }, 421);
    }
    await next();
  };
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Options of {@linkcode originGuard}. */
export interface OriginGuardOptions {
  /** Origins allowed to call `/v1/*` from a browser (CORS allow-list, exact match). */
  apiOrigin?: (origin: string) => boolean | Promise<boolean>;
}

/**
 * Refuses with 403 any state-changing request from a foreign origin: an `Origin` that is
 * not this server's own, or `Sec-Fetch-Site: cross-site`. Requests without an Origin
 * (curl, API clients) pass: browsers always send one on cross-origin writes.
 *
 * `Origin: null` is foreign, except with `Sec-Fetch-Site: same-origin`: under this server's
 * `Referrer-Policy: no-referrer`, browsers send `null` on the posts of its own forms (the
 * login), and no page can forge the `Sec-Fetch-*` headers.
 *
 * `/mcp` is checked on every method, as MCP's Streamable HTTP transport asks.
 *
 * On `/v1/*`, an origin `apiOrigin` accepts is not foreign: the user allowed that site's pages
 * to call the API, with the token.
 */
export function originGuard(opts: OriginGuardOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    // MCP's transport asks servers to check the Origin of every request, its GET stream too.
    if (STATE_CHANGING.has(c.req.method) || c.req.path === "/mcp") {
      const origin = c.req.header("origin");
      // A browser client the user allowed (CORS) may call /v1; its token is still checked.
      if (origin && c.req.path.startsWith("/v1/") && await opts.apiOrigin?.(origin)) {
        return await next();
      }
      const site = c.req.header("sec-fetch-site");
      let foreign = site === "cross-site";
      if (origin === "null") {
        foreign ||= site !== "same-origin";
      } else if (origin !== undefined) {
        try {
          foreign ||= new URL(origin).host !== c.req.header("host");
        } catch {
          foreign = true;
        }
      }
      if (foreign) {
        return c.json({ error: `Cross-origin request from "${origin ?? site}" refused.` }, 403);
      }
    }
    await next();
  };
}

/**
 * Headers that keep pages from being framed, sniffed, leaking referrers or resolving link
 * hostnames ahead of a click (`hono/secure-headers`, with only these headers on).
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    xContentTypeOptions: true,
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    // Link hostnames in model output are not resolved before a click: a lookup alone can
    // tell a name server what the conversation holds.
    xDnsPrefetchControl: true,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      // Remote images appear only after the user clicks to load one.
      imgSrc: ["'self'", "data:", "blob:", "https:"],
      fontSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
    },
    // Off: not asked for, and HSTS would pin a LAN address to https it does not serve.
    strictTransportSecurity: false,
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}
