import { json } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async POST(_req, ctx) {
    return json({ stopped: await ctx.state.app.turns.stop(ctx.params.id) });
  },
};
