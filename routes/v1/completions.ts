import { relayEndpoint, relayRequest } from "../../lib/gateway/relay_route.ts";
import { readJson } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers, RouteConfig } from "../../lib/web/types.ts";

export const config: RouteConfig = { bodyLimit: 16 * 1024 * 1024 };

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const body = await readJson(req, relayRequest);
    return await relayEndpoint(ctx.state.app, "/completions", body, req.signal, {
      useDefault: true,
    });
  },
};
