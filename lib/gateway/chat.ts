/**
 * `/v1/chat/completions` as one function: the plain relay, or the action loop when plugin
 * actions are enabled, the client brought no tools of its own and asked for one choice. `/v1/responses` answers
 * through the same function when it translates, so both endpoints run one action loop.
 * @module
 */
import type OpenAI from "openai";
import { completeWithActions } from "../chat/api_turn.ts";
import { type CompletionRequest, errorResponse, relayCompletion } from "../chat/completions.ts";
import type { CompleteFn, StreamFn } from "../chat/loop.ts";
import { LlmError } from "../llm/errors.ts";
import type { ToolCatalogue, ToolSession } from "../tools/catalogue.ts";

/** The server services the gateway uses (a part of `AppServices`). */
export interface GatewayServices {
  client(): Promise<OpenAI>;
  provider(): Promise<{ model: string | null }>;
  model: { stream: StreamFn; complete?: CompleteFn };
  tools: ToolCatalogue;
  reportError(error: unknown): void;
}

/**
 * Answers a validated chat completion request, streamed or not, in OpenAI's format. `session`
 * is the request's tool session when the caller opened it already.
 *
 * @example
 * ```ts
 * return await answerChat(ctx.state.app, await readJson(req, completionRequest), req.signal);
 * ```
 */
export async function answerChat(
  app: GatewayServices,
  body: CompletionRequest,
  signal: AbortSignal,
  session?: ToolSession,
): Promise<Response> {
  const defaultModel = async () => (await app.provider()).model;
  // Opened without `ask`: a tool that needs approval is denied unless allowed in advance.
  const tools = session ?? await app.tools.session();
  // A client that brings its own tools gets a plain relay: their calls are its to run. So
  // does n > 1: one action loop makes one answer, and n answers are the upstream's to give.
  const many = typeof body.n === "number" && body.n > 1;
  if (tools.tools.length === 0 || body.tools !== undefined || many) {
    const deps = {
      client: app.client,
      defaultModel,
      streamTools: async (m: string) =>
        !(await app.tools.settings()).streamToolsUnsupported.includes(m),
      onStreamToolsUnsupported: (m: string) =>
        void app.tools.markStreamToolsUnsupported(m).catch(app.reportError),
    };
    return relayCompletion(deps, body, signal);
  }
  app.tools.warm();
  const model = body.model ?? await defaultModel();
  if (!model) {
    return errorResponse(
      new LlmError("bad_request", "No model given and no default model is configured.", {
        status: 400,
      }),
    );
  }
  return completeWithActions(
    {
      stream: app.model.stream,
      complete: app.model.complete,
      tools,
      // The answer does not wait for this; a failure to save it is only logged.
      onNativeUnsupported: (m) => void app.tools.markNativeUnsupported(m).catch(app.reportError),
      onStreamToolsUnsupported: (m) =>
        void app.tools.markStreamToolsUnsupported(m).catch(app.reportError),
    },
    { ...body, model },
    signal,
  );
}
