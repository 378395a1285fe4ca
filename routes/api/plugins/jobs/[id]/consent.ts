import { z } from "zod";
import { HttpError, json, readJson } from "../../../../../lib/web/http.ts";
import type { AppState } from "../../../../../lib/web/services.ts";
import type { Handlers } from "../../../../../lib/web/types.ts";

const body = z.object({ allow: z.boolean() }).strict();

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { allow } = await readJson(req, body);
    const { jobs } = ctx.state.app;
    if (!jobs.get(ctx.params.id)) throw new HttpError(404, `No job with id ${ctx.params.id}.`);
    if (!jobs.consent(ctx.params.id, allow)) {
      throw new HttpError(409, "That job is not waiting for consent.");
    }
    return json({ ok: true });
  },
};
