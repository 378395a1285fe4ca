import { json } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  // Listing may choose (and save) the default model when none is set: see model_setup.ts.
  async GET(_req, ctx) {
    return json(await ctx.state.app.modelStatus());
  },
};
