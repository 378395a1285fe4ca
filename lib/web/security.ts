/**
 * Guards for a local server that holds an API key: Host allow-list (DNS rebinding),
 * Origin check on state-changing requests (CSRF), and security headers.
 * @module
 */
import type { MiddlewareHandler } from "hono";

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

/** Splits a Host header (`name:port`, `[v6]:port`) into its lower-cased name. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon === -1 ? h : h.slice(0, colon);
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
    names.add(
      hostName(
        boundHost.includes(":") && !boundHost.startsWith("[") ? `[${boundHost}]` : boundHost,
      ),
    );
  }
  const wildcard = isWildcardHost(boundHost);
  return (name) => names.has(name) || (wildcard && IP_LITERAL.test(name));
}

/** Refuses requests whose Host header is not allowed, with 421 Misdirected Request. */
export function hostGuard(allowed: (name: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (!host || !allowed(hostName(host))) {
      return c.json({ error: `Host "${host ?? ""}" is not allowed by this server.` }, 421);
    }
    await next();
  };
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Refuses with 403 any state-changing request from a foreign origin: an `Origin` that is
 * not this server's own, or `Sec-Fetch-Site: cross-site`. Requests without an Origin
 * (curl, API clients) pass: browsers always send one on cross-origin writes.
 */
export function originGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (STATE_CHANGING.has(c.req.method)) {
      const origin = c.req.header("origin");
      const site = c.req.header("sec-fetch-site");
      let foreign = site === "cross-site";
      if (origin !== undefined) {
        try {
          foreign ||= origin === "null" || new URL(origin).host !== c.req.header("host");
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

/** Headers that keep pages from being framed, sniffed or leaking referrers. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("X-Frame-Options", "DENY");
    if (h.get("content-type")?.startsWith("text/html")) {
      h.set(
        "Content-Security-Policy",
        [
          "default-src 'self'",
          "script-src 'self'",
          "style-src 'self' 'unsafe-inline'",
          // Remote images appear only after the user clicks to load one.
          "img-src 'self' data: blob: https:",
          "font-src 'self' data:",
          "connect-src 'self'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "form-action 'self'",
          "object-src 'none'",
        ].join("; "),
      );
    }
  };
}
