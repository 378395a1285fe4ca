import { errorResponse } from "../../../lib/chat/api_error.ts";
import { LlmError, toLlmError } from "../../../lib/llm/errors.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers } from "../../../lib/web/types.ts";

/** One model of the list `/v1/models` gives, in the same shape. */
export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const id = ctx.params.id;
    try {
      const models = await ctx.state.app.models();
      if (!models.includes(id)) {
        throw new LlmError(
          "not_found",
          `The model '${id}' does not exist at the upstream (GET /v1/models lists those there are).`,
          { status: 404, code: "model_not_found", param: "model" },
        );
      }
      return Response.json({ id, object: "model", created: 0, owned_by: "upstream" });
    } catch (e) {
      return errorResponse(toLlmError(e));
    }
  },
};
