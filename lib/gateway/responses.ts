/**
 * `/v1/responses`: relayed when the upstream has the Responses API; otherwise translated to
 * Chat Completions and back (see `responses_request.ts`, `responses_object.ts`,
 * `responses_stream.ts`). With plugin actions enabled (and no client tools) it is always
 * translated, so the one action loop of `/v1/chat/completions` runs for it too.
 * @module
 */
import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { errorResponse } from "../chat/api_error.ts";
import { LlmError, toLlmError } from "../llm/errors.ts";
import { answerChat, type GatewayServices } from "./chat.ts";
import { chatEvents } from "./chat_events.ts";
import { relayError, relayRaw } from "./raw_relay.ts";
import { newMeta, responseFromCompletion, type ResponseMeta } from "./responses_object.ts";
import { type ResponsesRequest, toChatRequest } from "./responses_request.ts";
import { ResponsesStreamWriter } from "./responses_stream.ts";
import type { UpstreamFeatures } from "./upstream_features.ts";
import type { ToolSession } from "../tools/catalogue.ts";

/** What `/v1/responses` needs. */
export interface ResponsesServices extends GatewayServices {
  upstreams: UpstreamFeatures;
}

/**
 * Answers a validated Responses request.
 *
 * @example
 * ```ts
 * return await answerResponses(ctx.state.app, await readJson(req, responsesRequest), req.signal);
 * ```
 */
export async function answerResponses(
  app: ResponsesServices,
  body: ResponsesRequest,
  signal: AbortSignal,
): Promise<Response> {
  try {
    const model = body.model ?? (await app.provider()).model;
    if (!model) {
      throw new LlmError("bad_request", "No model given and no default model is configured.", {
        status: 400,
      });
    }
    const client = await app.client();
    const session = await app.tools.session();
    const actions = body.tools === undefined && session.tools.length > 0;
    const relay = !actions && app.upstreams.hasResponses(client.baseURL);
    if (relay) {
      try {
        return await relayRaw(client, "/responses", { ...body, model }, signal);
      } catch (e) {
        if (!lacksEndpoint(e)) throw relayError(client, e, model);
      }
    }
    const res = await translated(app, { ...body, model }, signal, session);
    // Remembered only once the translation worked: a 404 about the model is not about /responses.
    if (relay && res.ok) app.upstreams.markNoResponses(client.baseURL);
    return res;
  } catch (e) {
    return errorResponse(toLlmError(e));
  }
}

/** The upstream has no Responses API: 404 for the path (not for a model), 405 or 501. */
function lacksEndpoint(e: unknown): boolean {
  if (!(e instanceof OpenAI.APIError)) return false;
  if (e.status === 405 || e.status === 501) return true;
  return e.status === 404 && e.code !== "model_not_found";
}

/** The request as a chat completion, and its answer back in the Responses format. */
async function translated(
  app: GatewayServices,
  body: ResponsesRequest & { model: string },
  signal: AbortSignal,
  session: ToolSession,
): Promise<Response> {
  const res = await answerChat(app, toChatRequest(body), signal, session);
  if (!res.ok || !res.body) return res; // an error in OpenAI's shape, the same for both APIs
  const meta = newMeta(body, body.model);
  if (!body.stream) {
    const completion = await res.json() as ChatCompletion;
    return Response.json(responseFromCompletion(meta, completion));
  }
  return new Response(responseEvents(res.body, meta), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
    },
  });
}

/** The chat stream `body` as Responses events; cancelling it cancels the chat stream. */
function responseEvents(
  body: ReadableStream<Uint8Array>,
  meta: ResponseMeta,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const writer = new ResponsesStreamWriter(meta);
  const events = chatEvents(body);
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let out = started ? "" : writer.start();
      started = true;
      // A pull that enqueues nothing is not called again: read until there is something.
      while (!out) {
        const step = await events.next();
        if (step.done) return controller.close();
        const event = step.value;
        if (event.type === "chunk") out += writer.chunk(event.chunk);
        else if (event.type === "done") out += writer.finish();
        else out += writer.fail(event.error);
      }
      controller.enqueue(encoder.encode(out));
    },
    async cancel() {
      await events.return();
      await body.cancel().catch(() => {});
    },
  }, { highWaterMark: 0 });
}
