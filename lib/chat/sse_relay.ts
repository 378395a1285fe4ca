/**
 * The byte path of the plain `/v1/chat/completions` relay: the upstream's Server-Sent Events
 * pass through nearly untouched (one read in, one write out) instead of being parsed into
 * objects by the `openai` SDK and serialized again, chunk by chunk.
 *
 * What is still checked, event by event, so the client gets the same guarantees as before:
 * every event is a JSON chunk with a `choices` array (else a protocol error), an `error`
 * object in the stream becomes rungpt's error event, the stream must report a finish reason
 * before it ends (else "cut off"), and a stall longer than the idle limit is a timeout. The
 * output is always in the plain wire format: `data: <one-line JSON>\n\n` blocks, then
 * `data: [DONE]\n\n` only when the reply is complete; an error ends the stream with a final
 * `data: {"error": …}` block and no `[DONE]`.
 * @module
 */
import OpenAI from "openai";
import {
  cutOffError,
  type ErrorContext,
  formatDuration,
  LlmError,
  toLlmError,
} from "../llm/errors.ts";
import { UpstreamLimitError } from "../llm/response_limits.ts";
import { errorBlock } from "./api_error.ts";

/** One step of {@linkcode SseRelay.read}: bytes to send, and whether the stream is over. */
export interface RelayStep {
  /** Complete `data:` blocks to send (may be empty). */
  bytes: Uint8Array;
  /** True when nothing follows; `bytes` then ends with `[DONE]` or an error block. */
  done: boolean;
  /** Set when the stream ended in an error (its block is already in `bytes`). */
  error?: LlmError;
  /**
   * True when `bytes` holds at least one chunk that says something (text, a tool call, a finish
   * reason, usage), not only a role chunk, `[DONE]` or an error.
   */
  content: boolean;
}

/** A relay over one upstream body. */
export interface SseRelay {
  /** Reads the upstream until it has something to send (or ends). Never rejects. */
  read(): Promise<RelayStep>;
  /** Stops: aborts the upstream request and releases the body. */
  cancel(): Promise<void>;
}

/** Options of {@linkcode createSseRelay}. */
export interface SseRelayOptions {
  /** Names the upstream in error messages. */
  ctx: ErrorContext;
  /** The upstream response headers (kept on errors the stream reports). */
  headers?: Headers;
  /** Give up when no bytes arrive for this long while reading. */
  idleMs: number;
  /** Fired when the client went away; the relay then reports `aborted`. */
  signal: AbortSignal;
  /** Aborts the upstream request (on cancel, idle timeout). */
  abort(): void;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const DONE_BLOCK = "data: [DONE]\n\n";

/**
 * Wraps the upstream SSE `body` of a streaming chat completion.
 *
 * @example
 * ```ts
 * const relay = createSseRelay(res.body!, { ctx, idleMs: 300_000, signal, abort });
 * for (let step = await relay.read(); ; step = await relay.read()) {
 *   send(step.bytes);
 *   if (step.done) break;
 * }
 * ```
 */
export function createSseRelay(body: ReadableStream<Uint8Array>, opts: SseRelayOptions): SseRelay {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = ""; // text after the last complete event
  let finished = false; // some choice reported a finish reason
  let sawDone = false; // the upstream sent [DONE]: the rest is ignored (as the SDK does)
  let over = false;
  // The idle watchdog: one timer per idle period, not one per read.
  let waitingSince = -1;
  let idleFired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      if (over) return;
      const waited = waitingSince < 0 ? 0 : performance.now() - waitingSince;
      if (waitingSince >= 0 && waited >= opts.idleMs) {
        idleFired = true;
        opts.abort();
        reader.cancel().catch(() => {});
      } else watch(opts.idleMs - waited);
    }, ms);
  };
  const stopWatch = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  /** Parses complete events of `text`; returns the output text and an error, if one. */
  function events(text: string, final: boolean): { out: string; error?: LlmError; n: number } {
    let out = "";
    let n = 0;
    let runStart = 0, runEnd = 0; // a run of canonical blocks copied as they are
    let pos = 0;
    let error: LlmError | undefined;
    while (!sawDone) {
      let end = text.indexOf("\n\n", pos);
      let next = end + 2;
      const terminated = end >= 0;
      if (!terminated) {
        if (!final || pos >= text.length) break;
        end = next = text.length;
      }
      const block = text.slice(pos, end);
      const canonical = block.startsWith("data: ") && block.indexOf("\n") < 0;
      const start = pos;
      pos = next;
      let data: string | null;
      if (canonical) data = block.slice(6);
      else data = parseBlock(block);
      if (data === null) continue; // a comment, or an event without data
      if (data.startsWith("[DONE]")) {
        sawDone = true;
        break;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch (e) {
        error = toLlmError(e, opts.ctx);
        break;
      }
      const c = chunk as { error?: unknown; choices?: unknown } | null;
      if (c && typeof c === "object" && c.error) {
        const apiError = new OpenAI.APIError(
          undefined,
          c.error as object,
          undefined,
          opts.headers ?? new Headers(),
        );
        error = toLlmError(apiError, opts.ctx);
        break;
      }
      if (!c || typeof c !== "object" || !Array.isArray(c.choices)) {
        error = new LlmError(
          "protocol",
          `The provider at ${opts.ctx.baseURL} sent a malformed chunk.`,
        );
        break;
      }
      if (!finished) {
        for (const choice of c.choices) if (choice?.finish_reason) finished = true;
      }
      if (hasSubstance(c as SseChunk)) n++;
      if (canonical && terminated && start === runEnd) {
        runEnd = next; // extend the run: these bytes go out exactly as they came
        continue;
      }
      if (runEnd > runStart) out += text.slice(runStart, runEnd);
      if (canonical && terminated) {
        runStart = start;
        runEnd = next;
      } else {
        runStart = runEnd = pos;
        out += `data: ${data.includes("\n") ? JSON.stringify(chunk) : data}\n\n`;
      }
    }
    if (runEnd > runStart) out += text.slice(runStart, runEnd);
    if (!sawDone && !error) pending = text.slice(pos);
    else pending = "";
    return { out, error, n };
  }

  function finish(out: string, error: LlmError | undefined, n: number): RelayStep {
    over = true;
    stopWatch();
    if (!error && opts.signal.aborted) error = aborted();
    if (!error && !finished) error = cutOffError(opts.ctx);
    const tail = error ? errorBlock(error) : DONE_BLOCK;
    return { bytes: encoder.encode(out + tail), done: true, error, content: n > 0 };
  }

  return {
    async read() {
      if (over) return { bytes: EMPTY, done: true, content: false };
      if (timer === undefined) watch(opts.idleMs);
      let out = "";
      let n = 0;
      // Idle is counted until an event arrives, not a byte: an upstream that trickles a byte
      // at a time, never finishing an event, stalls all the same.
      waitingSince = performance.now();
      while (true) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          if (opts.signal.aborted) return finish(out, aborted(), n);
          if (idleFired) return finish(out, idleError(opts), n);
          // A failure after the response started: most often the connection dropped.
          const cutOff = e instanceof Error && !(e instanceof UpstreamLimitError);
          return finish(out, cutOff ? cutOffError(opts.ctx) : toLlmError(e, opts.ctx), n);
        }
        if (step.done) {
          if (idleFired) return finish(out, idleError(opts), n);
          const rest = pending + decoder.decode();
          const r = events(rest.includes("\r") ? rest.replace(/\r\n?/g, "\n") : rest, true);
          return finish(out + r.out, r.error, n + r.n);
        }
        let text = pending + decoder.decode(step.value, { stream: true });
        let carry = "";
        if (text.includes("\r")) {
          // CR and CRLF line ends as LF; a CR at the very end may be half of a CRLF.
          if (text.endsWith("\r")) {
            carry = "\r";
            text = text.slice(0, -1);
          }
          text = text.replace(/\r\n?/g, "\n");
        }
        const r = events(text, false);
        pending += carry;
        out += r.out;
        n += r.n;
        if (r.error || sawDone) {
          // Nothing after [DONE] matters: close the upstream and end here.
          opts.abort();
          reader.cancel().catch(() => {});
          return finish(out, r.error, n);
        }
        if (out) {
          waitingSince = -1; // the client's turn to read
          return { bytes: encoder.encode(out), done: false, content: true };
        }
      }
    },
    async cancel() {
      over = true;
      stopWatch();
      opts.abort();
      await reader.cancel().catch(() => {});
    },
  };
}

/** The `data` of a non-canonical SSE block (several lines, `data:` without space, comments). */
function parseBlock(block: string): string | null {
  let data: string | null = null;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== "data") continue;
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

/** A chunk as the relay looks at it. */
interface SseChunk {
  choices: Array<{ delta?: Record<string, unknown>; finish_reason?: unknown } | null>;
  usage?: unknown;
}

/**
 * True when a chunk carries part of the answer. The role chunk (`{"role": "assistant",
 * "content": ""}`) does not: an upstream that sends it and then an error has not started
 * answering, so the client still gets the error's status.
 */
function hasSubstance(chunk: SseChunk): boolean {
  if (chunk.usage) return true;
  return chunk.choices.some((choice) => {
    if (!choice) return false;
    if (choice.finish_reason) return true;
    const delta = choice.delta ?? {};
    return Object.entries(delta).some(([key, value]) =>
      key !== "role" && value !== null && value !== "" && value !== undefined
    );
  });
}

function aborted(): LlmError {
  return new LlmError("aborted", "The request was cancelled.");
}

function idleError(opts: SseRelayOptions): LlmError {
  return new LlmError(
    "timeout",
    `The stream from ${opts.ctx.baseURL} stalled: no event arrived for ${
      formatDuration(opts.idleMs)
    }.`,
  );
}
