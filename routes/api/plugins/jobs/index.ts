import { z } from "zod";
import { json, readJson } from "../../../../lib/web/http.ts";
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
    const job = ctx.state.app.jobs.start(await readJson(req, request));
    return json({ jobId: job.id }, 202);
  },
};
