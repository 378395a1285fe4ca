/**
 * A scripted, OpenAI-compatible HTTP server for tests.
 *
 * It speaks the real wire format (`/v1/models`, `/v1/chat/completions`, streaming as
 * server-sent events, OpenAI's error JSON) so the product is exercised through the real
 * `openai` client. Replies come from a queue and/or a responder function; every request and
 * every client disconnect is recorded for assertions.
 *
 * @example
 * ```ts
 * const model = await startScriptedModel({ replies: [{ text: "Hello there", chunkSize: 3 }] });
 * try {
 *   // point the product at model.url ("http://127.0.0.1:PORT/v1")
 * } finally {
 *   await model.close();
 * }
 * ```
 * @module
 */
import { responseEvents, responseJson, type ResponsesPlan } from "./scripted_responses.ts";

/** One request the server received. */
export interface RecordedRequest {
  /** Zero-based position among all requests this server received. */
  index: number;
  method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw request body. */
  bodyText: string;
  /** The parsed JSON body, or `undefined` when there was none or it was not JSON. */
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** A client that went away before its response finished. */
export interface RecordedAbort {
  /** Index of the request (see {@linkcode RecordedRequest.index}). */
  requestIndex: number;
  path: string;
  /** How many SSE events (including the role chunk) were sent before the disconnect. */
  eventsSent: number;
}

/** Controls shared by the text and tool-call replies. */
export interface StreamControl {
  /** Pause before each event after the first (streaming only). */
  delayMs?: number;
  /** Send the role chunk and this many body chunks, then drop the connection without `[DONE]`. */
  cutAfter?: number;
  /** After the body chunks, keep the connection open until the client disconnects. */
  hang?: boolean;
  /** Overrides the finish reason (default `stop`, or `tool_calls` for tool calls). */
  finishReason?: string;
  /** Overrides fields of the reported usage. */
  usage?: Partial<Usage>;
  /** After the body chunks, send `data: {"error": {...}}` and end (as some servers do). */
  streamError?: { message: string; type?: string; code?: string | null };
  /**
   * Send the role chunk and this many body chunks, then an event that is not JSON, and end
   * (as servers that break on streamed tool calls do).
   */
  malformedAfter?: number;
}

/** Text, given as exact chunks or as one string split every `chunkSize` characters. */
export interface TextReply extends StreamControl {
  chunks?: string[];
  text?: string;
  chunkSize?: number;
  /** Reasoning chunks sent before the text (as DeepSeek and vLLM do). */
  reasoning?: string[];
  /** The delta field the reasoning goes in (default `reasoning_content`). */
  reasoningField?: "reasoning_content" | "reasoning";
}

/** One tool call to stream as `delta.tool_calls` fragments. */
export interface ScriptedToolCall {
  name: string;
  /** The arguments JSON text; an array gives the exact split across fragments. */
  arguments: string | string[];
  /** Default `call_<random>`. */
  id?: string;
  /** The `index` every fragment of this call carries; default its position in the list. */
  index?: number;
  /** Put the id on every fragment, not only the first (some servers do). */
  repeatId?: boolean;
}

/** Tool calls, optionally after some text chunks. */
export interface ToolCallsReply extends StreamControl {
  toolCalls: ScriptedToolCall[];
  /** Text chunks sent before the tool calls. */
  content?: string[];
}

/** One raw `delta.tool_calls[0]` fragment, sent as its own chunk, exactly as given. */
export interface ToolCallFragment {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

/** Full control over tool-call fragments (e.g. to mimic servers that reuse index 0). */
export interface ToolCallFragmentsReply extends StreamControl {
  toolCallFragments: ToolCallFragment[];
}

/** An HTTP error with OpenAI's error body `{ error: { message, type, code, param } }`. */
export interface ErrorReply {
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Replaces the whole body (a string is sent as is, anything else as JSON). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sets the `retry-after` header (seconds). */
  retryAfter?: number;
}

/** Hold the request before any header is sent until the client disconnects. */
export interface HangBeforeHeadersReply {
  hangBeforeHeaders: true;
}

/**
 * A misbehaving 200: the body is the pieces `raw(0)`, `raw(1)`, … sent as asked for, until one
 * is `null` (never, for an endless body). Pieces are made as the client reads, so an endless
 * body costs the server no memory.
 */
export interface RawReply {
  raw: (n: number) => string | Uint8Array | null;
  /** Default `text/event-stream`. */
  contentType?: string;
}

/** What the server answers to one chat completion request. */
export type Reply =
  | TextReply
  | ToolCallsReply
  | ToolCallFragmentsReply
  | ErrorReply
  | HangBeforeHeadersReply
  | RawReply;

/** Token usage, as OpenAI reports it. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Computes the reply for a request (used when the queue is empty). */
export type Responder = (request: RecordedRequest) => Reply | Promise<Reply>;

/** Options for {@linkcode startScriptedModel}. */
export interface ScriptedModelOptions {
  /** Model ids listed by `GET /v1/models` (default `["gpt-4o", "gpt-4o-mini"]`). */
  models?: string[];
  /** Replies used in order, one per chat completion request. */
  replies?: Reply[];
  /** Used once the queue is empty. Without either, requests get a 500 naming the problem. */
  responder?: Responder;
  /** Answer 401 (like OpenAI) unless the request carries `Authorization: Bearer <requireKey>`. */
  requireKey?: string;
  /**
   * Speak the Responses API on `POST /v1/responses` (text and tool-call replies from the same
   * queue). Without it, that path answers 404 as servers without it do.
   */
  responses?: boolean;
}

/** A running scripted server. Its arrays fill as requests arrive. */
export interface ScriptedModel {
  /** Base URL to give the client, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  requests: RecordedRequest[];
  aborts: RecordedAbort[];
  /** Appends replies to the queue. */
  enqueue(...replies: Reply[]): void;
  setResponder(responder: Responder | undefined): void;
  /** Sets the listed models, or makes `GET /v1/models` fail with an error reply. */
  setModels(models: string[] | ErrorReply): void;
  /** Chat completion requests only. */
  chatRequests(): RecordedRequest[];
  /** `POST /v1/responses` requests only (answered or not). */
  responsesRequests(): RecordedRequest[];
  /** Resolves once at least `count` client disconnects were recorded. */
  waitForAborts(count?: number): Promise<RecordedAbort[]>;
  /** Ends hanging responses and stops the server. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const encoder = new TextEncoder();
/** The reason a deliberately cut response body errors with. */
const CUT = new Error("scripted model: connection cut on purpose");

/**
 * Starts a scripted OpenAI-compatible server on 127.0.0.1 on a free port.
 *
 * @example
 * ```ts
 * const model = await startScriptedModel({ responder: (req) => ({ text: `echo ${req.body.model}` }) });
 * await model.close();
 * ```
 */
export function startScriptedModel(
  opts: ScriptedModelOptions = {},
): Promise<ScriptedModel> {
  const queue: Reply[] = [...(opts.replies ?? [])];
  let responder = opts.responder;
  let models: string[] | ErrorReply = opts.models ?? ["gpt-4o", "gpt-4o-mini"];
  const requests: RecordedRequest[] = [];
  const aborts: RecordedAbort[] = [];
  const abortWaiters: Array<{ count: number; resolve: (a: RecordedAbort[]) => void }> = [];
  // Aborted on close() so hanging responses and delays end.
  const closing = new AbortController();
  const pending = new Set<Promise<unknown>>();

  const recordAbort = (a: RecordedAbort) => {
    aborts.push(a);
    for (const w of [...abortWaiters]) {
      if (aborts.length >= w.count) {
        abortWaiters.splice(abortWaiters.indexOf(w), 1);
        w.resolve([...aborts]);
      }
    }
  };

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const bodyText = await req.text();
    let body: unknown = undefined;
    try {
      body = bodyText ? JSON.parse(bodyText) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => headers[k] = v);
    const recorded: RecordedRequest = {
      index: requests.length,
      method: req.method,
      path: url.pathname,
      headers,
      bodyText,
      body,
    };
    requests.push(recorded);

    if (opts.requireKey !== undefined) {
      const auth = req.headers.get("authorization") ?? "";
      const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      if (given !== opts.requireKey) return unauthorized(given);
    }

    if (req.method === "GET" && url.pathname === "/v1/models") {
      if (!Array.isArray(models)) return errorResponse(models);
      const created = Math.floor(Date.now() / 1000);
      return json(200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", created, owned_by: "scripted" })),
      });
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return errorResponse({
          status: 400,
          message: "We could not parse the JSON body of your request.",
        });
      }
      const reply = queue.shift() ?? (await responder?.(recorded)) ?? {
        status: 500,
        message: `scripted model: no reply queued for request #${recorded.index}`,
      };
      return await chatReply(recorded, reply, req);
    }
    if (req.method === "POST" && url.pathname === "/v1/embeddings") {
      return json(200, embeddings(body));
    }
    if (req.method === "POST" && url.pathname === "/v1/completions") {
      const reply = queue.shift() ?? (await responder?.(recorded)) ?? { text: "" };
      if ("status" in reply) return errorResponse(reply);
      const text = "text" in reply ? reply.text ?? "" : "";
      return json(200, {
        id: "cmpl-scripted",
        object: "text_completion",
        created: Math.floor(Date.now() / 1000),
        model: (body as { model?: string })?.model ?? "scripted",
        choices: [{ index: 0, text, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    if (req.method === "POST" && url.pathname === "/v1/responses" && opts.responses) {
      const reply = queue.shift() ?? (await responder?.(recorded)) ?? {
        status: 500,
        message: `scripted model: no reply queued for request #${recorded.index}`,
      };
      return responsesReply(recorded, reply);
    }
    return errorResponse({
      status: 404,
      message: `Invalid URL (${req.method} ${url.pathname})`,
      code: null,
    });
  };

  const chatReply = async (
    rec: RecordedRequest,
    reply: Reply,
    req: Request,
  ): Promise<Response> => {
    if ("status" in reply) return errorResponse(reply);
    if ("raw" in reply) return rawResponse(rec, reply);
    if ("hangBeforeHeaders" in reply) {
      // Before the response exists, the request signal aborts only on disconnect. (Reading
      // req.signal elsewhere would make Deno warn about its legacy abort-on-success.)
      const requestSignal = req.signal;
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        if (requestSignal.aborted || closing.signal.aborted) return done();
        requestSignal.addEventListener("abort", done, { once: true });
        closing.signal.addEventListener("abort", done, { once: true });
      });
      if (requestSignal.aborted) {
        recordAbort({ requestIndex: rec.index, path: rec.path, eventsSent: 0 });
      }
      return errorResponse({ status: 503, message: "scripted model closed" });
    }
    const plan = planReply(reply);
    const model = typeof rec.body.model === "string" ? rec.body.model : "scripted";
    const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "").slice(0, 29)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = makeUsage(rec.body, plan.bodyDeltas.length, reply.usage);
    if (rec.body.stream === true) {
      const includeUsage = rec.body.stream_options?.include_usage === true;
      return sseResponse(rec, plan, { id, created, model, usage, includeUsage }, reply);
    }
    const completion = {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{
        index: 0,
        message: plan.message,
        logprobs: rec.body.logprobs === true && typeof plan.message.content === "string"
          ? logprobsOf(plan.message.content)
          : null,
        finish_reason: plan.finishReason,
      }],
      usage,
      service_tier: "default",
      system_fingerprint: "fp_scripted",
    };
    const text = JSON.stringify(completion);
    if (reply.hang || reply.cutAfter !== undefined) {
      // Send half of the body, then hang or drop the connection.
      const half = text.slice(0, Math.floor(text.length / 2));
      return streamedResponse(rec, "application/json", [half], reply.hang ? "hang" : "cut");
    }
    return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
  };

  const responsesReply = (rec: RecordedRequest, reply: Reply): Response => {
    if ("status" in reply) return errorResponse(reply);
    if ("raw" in reply) return rawResponse(rec, reply);
    if ("hangBeforeHeaders" in reply || "toolCallFragments" in reply) {
      return errorResponse({ status: 500, message: "scripted model: not a Responses reply" });
    }
    const plan = planReply(reply);
    const id = `resp_${crypto.randomUUID().replaceAll("-", "")}`;
    const created = Math.floor(Date.now() / 1000);
    const responsesPlan: ResponsesPlan = {
      model: typeof rec.body?.model === "string" ? rec.body.model : "scripted",
      text: plan.bodyDeltas.flatMap((d) => typeof d.content === "string" ? [d.content] : []),
      calls: ((plan.message.tool_calls ?? []) as Array<
        { id: string; function: { name: string; arguments: string } }
      >).map((c) => ({ id: c.id, ...c.function })),
      inputTokens: Math.ceil(JSON.stringify(rec.body?.input ?? "").length / 4),
    };
    if (rec.body?.stream === true) {
      const events = responseEvents(responsesPlan, id, created);
      // hang: everything but response.completed, then the connection stays open.
      if (reply.hang) events.pop();
      const ending = reply.hang ? "hang" : "done";
      return streamedResponse(rec, "text/event-stream", events, ending, reply.delayMs);
    }
    return json(200, responseJson(responsesPlan, id, created));
  };

  const sseResponse = (
    rec: RecordedRequest,
    plan: Plan,
    meta: {
      id: string;
      created: number;
      model: string;
      usage: Usage;
      includeUsage: boolean;
    },
    control: StreamControl,
  ): Response => {
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${
        JSON.stringify({
          id: meta.id,
          object: "chat.completion.chunk",
          created: meta.created,
          model: meta.model,
          service_tier: "default",
          system_fingerprint: "fp_scripted",
          choices,
          ...(meta.includeUsage ? { usage: null } : {}),
          ...extra,
        })
      }\n\n`;
    const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
      index: 0,
      delta,
      logprobs: rec.body.logprobs === true && typeof delta.content === "string" && delta.content
        ? logprobsOf(delta.content)
        : null,
      finish_reason: finish,
    });
    const events = [chunk([choice(plan.roleDelta)])];
    const body = plan.bodyDeltas.map((d) => chunk([choice(d)]));
    let ending: "cut" | "hang" | "done" = "done";
    if (control.streamError) {
      events.push(...body);
      const { message, type = "server_error", code = null } = control.streamError;
      events.push(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`);
    } else if (control.malformedAfter !== undefined) {
      events.push(...body.slice(0, control.malformedAfter));
      events.push('data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index"\n\n');
    } else if (control.cutAfter !== undefined) {
      events.push(...body.slice(0, control.cutAfter));
      ending = "cut";
    } else {
      events.push(...body);
      if (control.hang) ending = "hang";
      else {
        events.push(chunk([choice({}, plan.finishReason)]));
        if (meta.includeUsage) events.push(chunk([], { usage: meta.usage }));
        events.push("data: [DONE]\n\n");
      }
    }
    return streamedResponse(rec, "text/event-stream", events, ending, control.delayMs);
  };

  const rawResponse = (rec: RecordedRequest, reply: RawReply): Response => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = closing.signal.aborted ? null : reply.raw(sent);
        if (piece === null) return controller.close();
        sent++;
        controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
      },
      cancel: () => recordAbort({ requestIndex: rec.index, path: rec.path, eventsSent: sent }),
    }, { highWaterMark: 0 });
    return new Response(stream, {
      status: 200,
      headers: { "content-type": reply.contentType ?? "text/event-stream" },
    });
  };

  const streamedResponse = (
    rec: RecordedRequest,
    contentType: string,
    events: string[],
    ending: "cut" | "hang" | "done",
    delayMs = 0,
  ): Response => {
    let sent = 0;
    let cancelled = false;
    const stop = new AbortController();
    const onClose = () => stop.abort();
    closing.signal.addEventListener("abort", onClose, { once: true });
    const finish = () => closing.signal.removeEventListener("abort", onClose);
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const work = (async () => {
          if (sent < events.length) {
            if (sent > 0 && delayMs > 0) await sleep(delayMs, stop.signal);
            if (cancelled) return;
            controller.enqueue(encoder.encode(events[sent]));
            sent++;
            return;
          }
          if (ending === "hang") await sleep(Infinity, stop.signal);
          if (cancelled) return;
          finish();
          // Erroring the body drops the connection without the final chunk; onError below
          // keeps this deliberate error out of the test output.
          if (ending === "cut") controller.error(CUT);
          else controller.close();
        })();
        pending.add(work);
        try {
          await work;
        } finally {
          pending.delete(work);
        }
      },
      cancel: () => {
        cancelled = true;
        finish();
        stop.abort();
        recordAbort({ requestIndex: rec.index, path: rec.path, eventsSent: sent });
      },
    });
    return new Response(stream, {
      status: 200,
      headers: { "content-type": contentType, "cache-control": "no-cache" },
    });
  };

  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
      onError: (error) => {
        if (error !== CUT) console.error("scripted model:", error);
        return new Response(null, { status: 500 });
      },
    },
    handle,
  );

  const close = async () => {
    if (closing.signal.aborted) return;
    closing.abort();
    await Promise.allSettled([...pending]);
    await server.shutdown();
  };

  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    aborts,
    enqueue: (...replies) => void queue.push(...replies),
    setResponder: (r) => void (responder = r),
    setModels: (m) => void (models = m),
    chatRequests: () => requests.filter((r) => r.path === "/v1/chat/completions"),
    responsesRequests: () => requests.filter((r) => r.path === "/v1/responses"),
    waitForAborts: (count = 1) =>
      aborts.length >= count
        ? Promise.resolve([...aborts])
        : new Promise((resolve) => abortWaiters.push({ count, resolve })),
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** What a text or tool-call reply turns into, independent of streaming. */
interface Plan {
  roleDelta: Record<string, unknown>;
  bodyDeltas: Record<string, unknown>[];
  message: Record<string, unknown>;
  finishReason: string;
}

function planReply(reply: TextReply | ToolCallsReply | ToolCallFragmentsReply): Plan {
  if ("toolCallFragments" in reply) {
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    const lastAtIndex = new Map<number, { id: string; name: string; arguments: string }>();
    const deltas = reply.toolCallFragments.map((f, i) => {
      let call = lastAtIndex.get(f.index);
      if (!call || (f.id !== undefined && f.id !== call.id)) {
        call = { id: f.id ?? `call_${i}`, name: "", arguments: "" };
        calls.push(call);
        lastAtIndex.set(f.index, call);
      }
      if (f.name !== undefined && f.name !== call.name) call.name += f.name;
      call.arguments += f.arguments ?? "";
      return { tool_calls: [toolFragment(f.index, f.id, f.name, f.arguments)] };
    });
    return {
      roleDelta: { role: "assistant", content: null, refusal: null },
      bodyDeltas: deltas,
      message: toolMessage(null, calls),
      finishReason: reply.finishReason ?? "tool_calls",
    };
  }
  if ("toolCalls" in reply) {
    const content = reply.content ?? [];
    const deltas: Record<string, unknown>[] = content.map((c) => ({ content: c }));
    const calls = reply.toolCalls.map((c, position) => {
      const id = c.id ?? `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
      const pieces = typeof c.arguments === "string" ? [c.arguments] : c.arguments;
      const index = c.index ?? position;
      deltas.push({ tool_calls: [toolFragment(index, id, c.name, "")] });
      for (const piece of pieces) {
        deltas.push({
          tool_calls: [toolFragment(index, c.repeatId ? id : undefined, undefined, piece)],
        });
      }
      return { id, name: c.name, arguments: pieces.join("") };
    });
    return {
      roleDelta: { role: "assistant", content: content.length ? "" : null, refusal: null },
      bodyDeltas: deltas,
      message: toolMessage(content.length ? content.join("") : null, calls),
      finishReason: reply.finishReason ?? "tool_calls",
    };
  }
  const chunks = reply.chunks ?? splitText(reply.text ?? "", reply.chunkSize ?? 4);
  const field = reply.reasoningField ?? "reasoning_content";
  const reasoning = reply.reasoning ?? [];
  return {
    roleDelta: { role: "assistant", content: "", refusal: null },
    bodyDeltas: [...reasoning.map((r) => ({ [field]: r })), ...chunks.map((c) => ({ content: c }))],
    message: {
      role: "assistant",
      content: chunks.join(""),
      refusal: null,
      annotations: [],
      ...(reasoning.length ? { [field]: reasoning.join("") } : {}),
    },
    finishReason: reply.finishReason ?? "stop",
  };
}

function toolFragment(index: number, id?: string, name?: string, args?: string) {
  const fragment: Record<string, unknown> = { index };
  if (id !== undefined) {
    fragment.id = id;
    fragment.type = "function";
  }
  const fn: Record<string, string> = {};
  if (name !== undefined) fn.name = name;
  if (args !== undefined) fn.arguments = args;
  fragment.function = fn;
  return fragment;
}

function toolMessage(
  content: string | null,
  calls: Array<{ id: string; name: string; arguments: string }>,
) {
  return {
    role: "assistant",
    content,
    refusal: null,
    annotations: [],
    tool_calls: calls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    })),
  };
}

/**
 * Made-up log probabilities, one token per character: `-0.01 * (position + 1)` counted in
 * the piece, so a test can tell the pieces' entries apart and check they arrive in order.
 */
export function logprobsOf(text: string) {
  return {
    content: [...text].map((token, i) => ({
      token,
      logprob: -0.01 * (i + 1),
      bytes: [...encoder.encode(token)],
      top_logprobs: [],
    })),
    refusal: null,
  };
}

/**
 * `/v1/embeddings`: for each input string, the vector `[length, code of its first character,
 * 0.5]`, so a test can tell which input a vector belongs to.
 */
// deno-lint-ignore no-explicit-any
function embeddings(body: any) {
  const inputs: string[] = typeof body?.input === "string" ? [body.input] : body?.input ?? [];
  return {
    object: "list",
    model: body?.model ?? "scripted",
    data: inputs.map((text, index) => ({
      object: "embedding",
      index,
      embedding: [text.length, text.codePointAt(0) ?? 0, 0.5],
    })),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  };
}

function splitText(text: string, size: number): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += Math.max(1, size)) {
    out.push(chars.slice(i, i + Math.max(1, size)).join(""));
  }
  return out;
}

// deno-lint-ignore no-explicit-any
function makeUsage(body: any, completionTokens: number, override?: Partial<Usage>) {
  // A deterministic stand-in for token counting: about four characters per token.
  const prompt = Math.ceil(JSON.stringify(body?.messages ?? []).length / 4);
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...override,
  };
  if (override && override.total_tokens === undefined) {
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  }
  return usage;
}

const DEFAULT_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: "invalid_request_error", code: null, message: "Invalid request." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Invalid API key." },
  403: { type: "invalid_request_error", code: null, message: "Permission denied." },
  404: {
    type: "invalid_request_error",
    code: "model_not_found",
    message: "The model does not exist or you do not have access to it.",
  },
  429: {
    type: "requests",
    code: "rate_limit_exceeded",
    message: "Rate limit reached for requests.",
  },
};

function errorResponse(reply: ErrorReply): Response {
  const fallback = DEFAULT_ERRORS[reply.status] ??
    { type: "server_error", code: null, message: "The server had an error." };
  const headers = new Headers(reply.headers);
  if (reply.retryAfter !== undefined) headers.set("retry-after", String(reply.retryAfter));
  if (reply.body !== undefined && typeof reply.body === "string") {
    if (!headers.has("content-type")) headers.set("content-type", "text/plain");
    return new Response(reply.body, { status: reply.status, headers });
  }
  headers.set("content-type", "application/json");
  const body = reply.body ?? {
    error: {
      message: reply.message ?? fallback.message,
      type: reply.type ?? fallback.type,
      param: reply.param ?? null,
      code: reply.code !== undefined ? reply.code : fallback.code,
    },
  };
  return new Response(JSON.stringify(body), { status: reply.status, headers });
}

function unauthorized(given: string): Response {
  // Mirrors OpenAI, which echoes a masked form of the rejected key.
  const message = given
    ? `Incorrect API key provided: ${given.slice(0, 3)}***${
      given.slice(-4)
    }. You can find your API key at https://platform.openai.com/account/api-keys.`
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  return errorResponse({
    status: 401,
    message,
    code: given ? "invalid_api_key" : null,
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
