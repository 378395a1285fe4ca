/**
 * Bounds on what a model server can make rungpt read. The `openai` SDK buffers a whole JSON
 * answer, and an event stream up to the end of each event, without a limit: a server that
 * misbehaves (or is hostile) could send an endless answer or one event that never ends and
 * grow rungpt's memory until it dies. Every upstream body passes through
 * {@linkcode limitResponse}, which ends it with an {@linkcode UpstreamLimitError} instead.
 * @module
 */

/** The limits, in bytes (after any content-encoding is undone). */
export interface ResponseLimits {
  /** A whole answer that is not an event stream (a completion, the model list). */
  bodyBytes: number;
  /** A whole event stream: a generous bound on a long reply with all its framing. */
  streamBytes: number;
  /** One event of an event stream: the bytes between two blank lines. */
  eventBytes: number;
  /**
   * How long a whole answer that is not an event stream may take to arrive, from its head on
   * (the SDK's own timeout ends at the head, so a body sent a byte at a time would never end).
   * Event streams are watched per event by their readers instead.
   */
  bodyMs: number;
}

/** rungpt's limits: far above any real reply, far below what would exhaust memory. */
export const RESPONSE_LIMITS: ResponseLimits = {
  bodyBytes: 32 * 1024 * 1024,
  streamBytes: 256 * 1024 * 1024,
  eventBytes: 4 * 1024 * 1024,
  bodyMs: 300_000,
};

/** A model server's answer went past a {@linkcode ResponseLimits} bound; reading stopped. */
export class UpstreamLimitError extends Error {
  override name = "UpstreamLimitError";
}

const LF = 10;
const CR = 13;

/**
 * `res` with a body that errors with an {@linkcode UpstreamLimitError} (and cancels the
 * upstream) once it passes `limits`. `origin` names the server in the message.
 *
 * @example
 * ```ts
 * const res = limitResponse(await fetch(url), new URL(url).origin);
 * ```
 */
export function limitResponse(
  res: Response,
  origin: string,
  limits: ResponseLimits = RESPONSE_LIMITS,
): Response {
  if (!res.body) return res;
  const events = /^text\/event-stream\b/i.test(res.headers.get("content-type") ?? "");
  const counter = events
    ? new EventStreamCounter(origin, limits)
    : new BodyCounter(origin, limits.bodyBytes);
  const deadline = events ? null : new Deadline(origin, limits.bodyMs);
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const step = await (deadline ? deadline.race(reader.read()) : reader.read());
        if (step.done) {
          deadline?.clear();
          return controller.close();
        }
        counter.add(step.value);
        controller.enqueue(step.value);
      } catch (e) {
        deadline?.clear();
        reader.cancel(e).catch(() => {});
        controller.error(e);
      }
    },
    cancel(reason) {
      deadline?.clear();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** The time a plain body has to arrive in, from when its head came. */
class Deadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #expired: Promise<never>;

  constructor(origin: string, ms: number) {
    this.#expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        reject(
          new UpstreamLimitError(
            `The answer from ${origin} did not arrive within ${
              ms / 1000
            } s; rungpt stopped waiting.`,
          ),
        );
      }, ms);
    });
    this.#expired.catch(() => {}); // reported by race(), if anyone is reading
  }

  race<T>(read: Promise<T>): Promise<T> {
    return Promise.race([read, this.#expired]);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Counts a plain body. */
class BodyCounter {
  #total = 0;
  constructor(private origin: string, private max: number) {}

  add(chunk: Uint8Array): void {
    this.#total += chunk.length;
    if (this.#total > this.max) {
      throw new UpstreamLimitError(
        `The answer from ${this.origin} is larger than ${
          mib(this.max)
        }; rungpt stopped reading it.`,
      );
    }
  }
}

/** Counts an event stream: in all, and since the last blank line (the end of an event). */
class EventStreamCounter {
  #total = 0;
  #event = 0; // bytes of the event so far
  #line = 0; // bytes of the current line so far
  #endsInCR = false; // the last byte seen was a CR (maybe half of a CRLF)
  constructor(private origin: string, private limits: ResponseLimits) {}

  add(chunk: Uint8Array): void {
    this.#total += chunk.length;
    if (this.#total > this.limits.streamBytes) {
      throw new UpstreamLimitError(
        `The stream from ${this.origin} went past ${
          mib(this.limits.streamBytes)
        }; rungpt stopped reading it.`,
      );
    }
    // Hop from line end to line end; an empty line ends the event.
    let from = 0;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, from)) {
      const cr = lf > from ? chunk[lf - 1] === CR : lf === 0 && this.#endsInCR;
      const line = this.#line + lf - from - (cr ? 1 : 0);
      this.#event = line === 0 ? 0 : this.#event + lf - from + 1;
      this.#line = 0;
      from = lf + 1;
    }
    const rest = chunk.length - from;
    this.#line += rest;
    this.#event += rest;
    if (chunk.length) this.#endsInCR = chunk[chunk.length - 1] === CR;
    if (this.#event > this.limits.eventBytes) {
      throw new UpstreamLimitError(
        `The stream from ${this.origin} sent an event larger than ${
          mib(this.limits.eventBytes)
        } (no blank line ends it); rungpt stopped reading it.`,
      );
    }
  }
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
