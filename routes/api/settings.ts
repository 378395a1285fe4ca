import { z } from "zod";
import { SettingsError } from "../../lib/store/settings.ts";
import { HttpError, json, readJson } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

const patch = z.object({
  apiKey: z.string().nullable().optional(),
  baseURL: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  actionMode: z.enum(["auto", "tags", "native"]).nullable().optional(),
  approvalMode: z.enum(["auto", "ask"]).nullable().optional(),
  alwaysAllowed: z.array(z.string()).nullable().optional(),
  maxActionRounds: z.number().nullable().optional(),
  /** Models auto mode uses tags for; the Settings page sends a shorter list to try tools again. */
  nativeToolsUnsupported: z.array(z.string()).nullable().optional(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    return json(await ctx.state.app.publicSettings());
  },
  async PUT(req, ctx) {
    const body = await readJson(req, patch);
    // Blank text fields mean "clear", as a form would send them; other values pass as they are.
    const cleaned = Object.fromEntries(
      Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v.trim() || null : v]),
    );
    try {
      return json(await ctx.state.app.saveSettings(cleaned));
    } catch (e) {
      if (e instanceof SettingsError) throw new HttpError(400, e.message, e.field ?? undefined);
      throw e;
    }
  },
};
