import { json } from "../../../lib/web/http.ts";
import { loadPluginViews } from "../../../lib/web/plugin_views.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers } from "../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    return json({ plugins: await loadPluginViews(ctx.state.app) });
  },
};
