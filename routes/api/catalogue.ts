import { json } from "../../lib/web/http.ts";
import { loadAppCatalogue } from "../../lib/web/plugin_catalogue.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    return json(await loadAppCatalogue(ctx.state.app));
  },
};
