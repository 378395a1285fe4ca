/**
 * CORS for `/v1`: pages on the origins the user listed (`RUNGPT_CORS_ORIGINS`, Settings) may
 * call the OpenAI-compatible API from a browser. Their preflights are answered without the
 * token (a browser sends none); the real request still needs it. Any other origin gets no CORS
 * header at all, so the browser keeps its page out, and its preflight falls through to the
 * token check (401).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** Says whether an `Origin` header value is on the allow-list (exact match). */
export type OriginCheck = (origin: string) => boolean | Promise<boolean>;

/** What a browser client may send and read. */
const ALLOW_HEADERS = ["Authorization", "Content-Type"];
const ALLOW_METHODS = ["GET", "POST", "OPTIONS"];
// The SDKs read these: when to retry, and the upstream's request id.
const EXPOSE_HEADERS = ["Retry-After", "X-Request-Id"];

/**
 * CORS headers and answered preflights for the origins `allowed` accepts; nothing for others.
 *
 * @example
 * ```ts
 * app.use("/v1/*", v1Cors((origin) => origins.includes(origin)));
 * ```
 */
export function v1Cors(allowed: OriginCheck): MiddlewareHandler {
  const withHeaders = cors({
    // Reached only for an origin already checked: echo it (never `*`: the token is a secret).
    origin: (origin) => origin,
    allowHeaders: ALLOW_HEADERS,
    allowMethods: ALLOW_METHODS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
  });
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin === undefined || !(await allowed(origin))) return await next();
    return await withHeaders(c, next);
  };
}
