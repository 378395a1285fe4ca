import { errorResponse } from "../../lib/chat/completions.ts";
import { toLlmError } from "../../lib/llm/errors.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    try {
      const models = await ctx.state.app.models();
      return Response.json({
        object: "list",
        data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "upstream" })),
      });
    } catch (e) {
      return errorResponse(toLlmError(e));
    }
  },
};
