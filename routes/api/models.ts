import { toLlmError } from "../../lib/llm/errors.ts";
import { json } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const model = (await app.provider()).model;
    try {
      return json({ models: await app.models(), default: model });
    } catch (e) {
      const error = toLlmError(e);
      return json({ models: [], default: model, error: error.message, kind: error.kind });
    }
  },
};
