import { relayEndpoint, relayRequest } from "../../lib/gateway/relay_route.ts";
import { readJson } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../lib/web/types.ts";

/** Batches of inputs can be large. */
export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const body = await readJson(req, relayRequest);
    // An embedding model is never the chat default: the client names it.
    return await relayEndpoint(ctx.state.app, "/embeddings", body, req.signal, {
      useDefault: false,
    });
  },
};
