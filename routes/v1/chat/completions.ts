import { completionRequest, relayCompletion } from "../../../lib/chat/completions.ts";
import { readJson } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../../lib/web/types.ts";

/** Conversations with images can be large. */
export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { app } = ctx.state;
    const body = await readJson(req, completionRequest);
    return relayCompletion(
      { client: app.client, defaultModel: async () => (await app.provider()).model },
      body,
      req.signal,
    );
  },
};
