import type { AppState } from "../../../../lib/web/services.ts";
import { startTurn } from "../../../../lib/web/turn_routes.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  POST(_req, ctx) {
    return startTurn(ctx.state.app, ctx.params.id, { kind: "regenerate" });
  },
};
