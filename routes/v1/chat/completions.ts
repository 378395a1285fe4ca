import { completeWithActions } from "../../../lib/chat/api_turn.ts";
import {
  completionRequest,
  errorResponse,
  relayCompletion,
} from "../../../lib/chat/completions.ts";
import { LlmError } from "../../../lib/llm/errors.ts";
import { readJson } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../../lib/web/types.ts";

/** Conversations with images can be large. */
export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { app } = ctx.state;
    const body = await readJson(req, completionRequest);
    const defaultModel = async () => (await app.provider()).model;
    // Opened without `ask`: a tool that needs approval is denied unless allowed in advance.
    const tools = await app.tools.session();
    // A client that brings its own tools gets a plain relay: their calls are its to run.
    if (tools.tools.length === 0 || body.tools !== undefined) {
      const deps = {
        client: app.client,
        defaultModel,
        streamTools: async (m: string) =>
          !(await app.tools.settings()).streamToolsUnsupported.includes(m),
        onStreamToolsUnsupported: (m: string) =>
          void app.tools.markStreamToolsUnsupported(m).catch(app.reportError),
      };
      return relayCompletion(deps, body, req.signal);
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
      req.signal,
    );
  },
};
