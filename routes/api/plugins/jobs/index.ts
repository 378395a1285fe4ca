import { z } from "zod";
import { JobsBusyError, JobsClosedError } from "../../../../lib/plugins/jobs.ts";
import { HttpError, json, readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const request = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("install"),
    spec: z.string().trim().min(3).max(300),
    allowPrivateNetwork: z.boolean().optional(),
  }).strict(),
  z.object({
    action: z.literal("update"),
    name: z.string().min(1).max(40),
    ref: z.string().min(1).max(200).optional(),
  }).strict(),
]);

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const body = await readJson(req, request);
    try {
      return json({ jobId: ctx.state.app.jobs.start(body).id }, 202);
    } catch (e) {
      if (e instanceof JobsClosedError) throw new HttpError(503, e.message);
      if (e instanceof JobsBusyError) throw new HttpError(429, e.message, "busy");
      throw e;
    }
  },
};
