import { z } from "zod";
import { HttpError, json, readJson } from "../../../../../lib/web/http.ts";
import type { AppState } from "../../../../../lib/web/services.ts";
import type { Handlers } from "../../../../../lib/web/types.ts";

const body = z.object({ allow: z.boolean() }).strict();

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { allow } = await readJson(req, body);
    if (!ctx.state.app.jobs.consent(ctx.params.id, allow)) {
      throw new HttpError(409, "That job is not waiting for consent.");
    }
    return json({ ok: true });
  },
};
