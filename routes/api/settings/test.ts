import { z } from "zod";
import { json, readJson } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers } from "../../../lib/web/types.ts";

// The form's values, not saved: a key typed but not saved yet, a base URL being tried.
const values = z.object({
  /** Absent or blank: the key in effect. */
  apiKey: z.string().max(500).nullable().optional(),
  /** Absent: the base URL in effect; blank or `null`: OpenAI. */
  baseURL: z.string().max(2000).nullable().optional(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  // "Test connection": lists the models with these values and saves nothing.
  async POST(req, ctx) {
    const body = await readJson(req, values);
    const apiKey = body.apiKey?.trim() || undefined;
    const baseURL = body.baseURL === undefined ? undefined : body.baseURL?.trim() || null;
    return json(await ctx.state.app.testProvider({ apiKey, baseURL }));
  },
};
