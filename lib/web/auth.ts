/**
 * Access control. The OpenAI-compatible API (`/v1/*`) always needs
 * `Authorization: Bearer <token>`. The UI needs a session only when the server is bound to a
 * non-loopback address: a `?token=` link or the login page sets an HttpOnly cookie.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
import { tokensEqual } from "../store/token.ts";

const SESSION_COOKIE = "rungpt_session";

/** The cookie value for a token: a hash, so the token itself never sits in a cookie. */
export async function sessionValue(token: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`rungpt-session:${token}`),
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest))).replace(/[+/=]/g, "");
}

/** Requires `Authorization: Bearer <token>`; answers 401 in OpenAI's error shape otherwise. */
export function bearerAuth(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const given = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!given || !tokensEqual(given, token)) {
      return c.json(
        {
          error: {
            message: given
              ? "Invalid access token. Run `rungpt token` to see the right one."
              : "Missing access token: send Authorization: Bearer <token> (run `rungpt token`).",
            type: "invalid_request_error",
            code: "invalid_api_key",
            param: null,
          },
        },
        401,
        { "WWW-Authenticate": 'Bearer realm="rungpt"' },
      );
    }
    await next();
  };
}

/** The `Set-Cookie` header value that starts a UI session for a valid token. */
export async function sessionCookie(token: string, secure: boolean): Promise<string> {
  return generateCookie(SESSION_COOKIE, await sessionValue(token), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    maxAge: 60 * 60 * 24 * 30,
    secure,
  });
}

/** A stand-in origin to resolve `next` against: only paths that stay on it are ours. */
const LOCAL_ORIGIN = "http://rungpt.invalid";

/**
 * Where to go after logging in: a path on this server, never another site; anything else is
 * `/`. Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil.example`
 * would leave the site: such input is refused outright. The rest is resolved as a URL and
 * kept only when it stays on this origin; the normalized path is returned (so `/..//evil`,
 * which normalizes to a protocol-relative `//evil`, is refused too).
 *
 * @example
 * ```ts
 * safeNext("/c/1?x=2#end"); // => "/c/1?x=2#end"
 * safeNext("/\t/evil.example"); // => "/"
 * ```
 */
export function safeNext(next: string | null): string {
  // deno-lint-ignore no-control-regex
  if (!next?.startsWith("/") || /[\x00-\x1f\x7f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, LOCAL_ORIGIN);
  } catch {
    return "/";
  }
  const path = url.pathname + url.search + url.hash;
  return url.origin === LOCAL_ORIGIN && !path.startsWith("//") ? path : "/";
}

/**
 * Requires a UI session: accepts a `?token=` link (then redirects to the clean URL), else the
 * cookie; pages without one go to /login, API calls get 401.
 */
export function sessionAuth(token: string, exempt: (path: string) => boolean): MiddlewareHandler {
  let expected: string | undefined;
  return async (c, next) => {
    const path = c.req.path;
    if (exempt(path)) return await next();
    expected ??= await sessionValue(token);
    const url = new URL(c.req.url);
    const linkToken = url.searchParams.get("token");
    if (linkToken !== null && tokensEqual(linkToken, token)) {
      url.searchParams.delete("token");
      c.header("Set-Cookie", await sessionCookie(token, url.protocol === "https:"));
      // A request path like `//evil.example/` must not become a protocol-relative Location.
      return c.redirect(safeNext(url.pathname + url.search), 303);
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie && tokensEqual(cookie, expected)) return await next();
    if (path.startsWith("/api/")) return c.json({ error: "Log in first.", kind: "auth" }, 401);
    return c.redirect(`/login?next=${encodeURIComponent(path)}`, 303);
  };
}
