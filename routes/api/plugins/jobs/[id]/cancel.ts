import { HttpError, json } from "../../../../../lib/web/http.ts";
import type { AppState } from "../../../../../lib/web/services.ts";
import type { Handlers } from "../../../../../lib/web/types.ts";

/** Cancels a running install or update job (e.g. a clone that takes too long). */
export const handler: Handlers<unknown, AppState> = {
  POST(_req, ctx) {
    const { jobs } = ctx.state.app;
    if (!jobs.get(ctx.params.id)) throw new HttpError(404, `No job with id ${ctx.params.id}.`);
    if (!jobs.cancel(ctx.params.id)) throw new HttpError(409, "That job is not running.");
    return json({ ok: true });
  },
};
