import { z } from "zod";
import { HttpError, json, readJson } from "../../../../../lib/web/http.ts";
import type { AppState } from "../../../../../lib/web/services.ts";
import type { Handlers } from "../../../../../lib/web/types.ts";

const body = z.object({ decision: z.enum(["once", "always", "deny"]) }).strict();

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { decision } = await readJson(req, body);
    const answered = ctx.state.app.turns.answerApproval(ctx.params.id, ctx.params.callId, decision);
    if (!answered) throw new HttpError(409, "No action with that id is waiting for approval.");
    return json({ ok: true });
  },
};
