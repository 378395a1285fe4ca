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
  /** Models auto mode uses tags for (`null`: try tools again with all of them). */
  nativeToolsUnsupported: z.array(z.string()).nullable().optional(),
  /** Models whose rounds with tools are asked without streaming (`null`: stream them all again). */
  streamToolsUnsupported: z.array(z.string()).nullable().optional(),
  /** Origins whose pages may call /v1 from a browser (`null`: none saved). */
  corsOrigins: z.array(z.string()).nullable().optional(),
  /** Whether the model titles new chats (`null`: back to the default, on). */
  autoTitles: z.boolean().nullable().optional(),
  /** Entries to take out of those lists as saved now (revoke one, try tools again for one). */
  remove: z.object({
    alwaysAllowed: z.array(z.string()),
    nativeToolsUnsupported: z.array(z.string()),
    streamToolsUnsupported: z.array(z.string()),
  }).partial().strict().optional(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    return json(await ctx.state.app.publicSettings());
  },
  async PUT(req, ctx) {
    const { remove, ...fields } = await readJson(req, patch);
    // Blank text fields mean "clear", as a form would send them; other values pass as they are.
    const cleaned = Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, typeof v === "string" ? v.trim() || null : v]),
    );
    const { app } = ctx.state;
    let saved;
    try {
      saved = await app.saveSettings(cleaned, remove);
    } catch (e) {
      if (e instanceof SettingsError) throw new HttpError(400, e.message, e.field ?? undefined);
      throw e;
    }
    // A new provider: list its models now, so the form can say which default was chosen.
    if (!("apiKey" in cleaned || "baseURL" in cleaned)) return json(saved);
    const models = await app.modelStatus();
    return json({ ...(models.chosen ? await app.publicSettings() : saved), models });
  },
};
