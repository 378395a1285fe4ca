/**
 * The plain relay of an OpenAI endpoint rungpt does not need to read (`/v1/responses` on an
 * upstream that has it, `/v1/embeddings`, `/v1/completions`): the request goes on with the
 * provider's key, the answer comes back as its bytes. Every answer is bounded by
 * `response_limits.ts` (size, event size, time for a whole body); a stream that stalls is
 * ended here after the client's timeout.
 * @module
 */
import type OpenAI from "openai";
import { errorContext } from "../llm/client.ts";
import { formatDuration, LlmError, toLlmError } from "../llm/errors.ts";

/**
 * Posts `body` to `path` of the upstream and returns its answer. An error status throws the
 * SDK's `APIError` (callers map it, or fall back on it).
 *
 * @example
 * ```ts
 * const res = await relayRaw(client, "/embeddings", body, req.signal);
 * ```
 */
export async function relayRaw(
  client: OpenAI,
  path: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Response> {
  if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
  const stream = body.stream === true;
  const upstream = new AbortController();
  const onAbort = () => upstream.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let res: Response;
  try {
    res = await client.post(path, { body, stream, signal: upstream.signal }).asResponse();
  } catch (e) {
    signal.removeEventListener("abort", onAbort);
    if (signal.aborted) throw new LlmError("aborted", "The request was cancelled.");
    throw e;
  }
  const type = res.headers.get("content-type") ?? "application/json";
  const headers = { "content-type": type, "cache-control": "no-cache, no-transform" };
  const ctx = errorContext(client, String(body.model ?? ""));
  const piped = res.body && pipeWithIdleLimit(res.body, client.timeout, () => {
    signal.removeEventListener("abort", onAbort);
    upstream.abort();
  }, ctx.baseURL ?? "the provider");
  return new Response(piped, { status: res.status, headers });
}

/**
 * Maps what {@linkcode relayRaw} threw to rungpt's error, naming the upstream.
 */
export function relayError(client: OpenAI, e: unknown, model?: string): LlmError {
  return toLlmError(e, errorContext(client, model));
}

/** `body`, ended with an error when no bytes arrive for `idleMs`; `done` runs once at the end. */
function pipeWithIdleLimit(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  done: () => void,
  origin: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(timer);
    done();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${origin} sent nothing for ${formatDuration(idleMs)}`)),
          idleMs,
        );
      });
      try {
        const step = await Promise.race([reader.read(), stalled]);
        clearTimeout(timer);
        if (step.done) {
          finish();
          return controller.close();
        }
        controller.enqueue(step.value);
      } catch (e) {
        finish();
        reader.cancel().catch(() => {});
        controller.error(e);
      }
    },
    cancel() {
      finish();
      return reader.cancel().catch(() => {});
    },
  }, { highWaterMark: 0 });
}
