/**
 * Small HTTP helpers for route handlers: typed errors that become JSON answers, and
 * request bodies validated with zod.
 * @module
 */
import type { z } from "zod";

/** An error with an HTTP status; the web layer turns it into `{ error, kind? }`. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(readonly status: number, message: string, readonly kind?: string) {
    super(message);
  }
}

/** A JSON response. */
export function json(body: unknown, init: ResponseInit | number = 200): Response {
  const opts = typeof init === "number" ? { status: init } : init;
  const headers = new Headers(opts.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...opts, headers });
}

/** Formats zod issues as `field: reason; field: reason`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`)
    .join("; ");
}

/**
 * Reads a JSON body and validates it; throws a 400/415 {@linkcode HttpError} that names what
 * was wrong.
 *
 * @example
 * ```ts
 * const body = await readJson(req, z.object({ content: z.string().min(1) }));
 * ```
 */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, "The request body must be JSON (Content-Type: application/json).");
  }
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new HttpError(400, `Invalid request: ${describeIssues(result.error)}`);
  return result.data;
}

/**
 * The path of a request as the server log shows it: no query (which may hold `?token=`).
 * Never throws, since it runs in the error handler, where a URL that does not parse (a
 * malformed Host header) may be what went wrong.
 *
 * @example
 * ```ts
 * logPath(new Request("http://localhost:8000/c/1?token=x")); // => "/c/1"
 * ```
 */
export function logPath(req: Pick<Request, "url">): string {
  try {
    return new URL(req.url).pathname;
  } catch {
    return `(unparsable URL) ${req.url.replace(/[?#].*$/s, "").slice(0, 200)}`;
  }
}
