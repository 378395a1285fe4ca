import { answerResponses } from "../../lib/gateway/responses.ts";
import { responsesRequest } from "../../lib/gateway/responses_request.ts";
import { readJson } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../lib/web/types.ts";

/** Inputs with images can be large, as for chat completions. */
export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const body = await readJson(req, responsesRequest);
    return await answerResponses(ctx.state.app, body, req.signal);
  },
};
