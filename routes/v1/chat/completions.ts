import { completionRequest } from "../../../lib/chat/completions.ts";
import { answerChat } from "../../../lib/gateway/chat.ts";
import { readJson } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../../lib/web/types.ts";

/** Conversations with images can be large. */
export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const body = await readJson(req, completionRequest);
    return await answerChat(ctx.state.app, body, req.signal);
  },
};
