import { z } from "zod";
import { actionPrompt, promptTokens, requestMode, turnMode } from "../../lib/chat/action_prompt.ts";
import { toolId } from "../../lib/tools/tool.ts";
import { HttpError, json } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

const query = z.object({
  /** The conversation whose next turn to describe (its model decides the mode in auto). */
  conversation: z.string().min(1).max(200).optional(),
  /** The model of a chat not created yet; else the default model. */
  model: z.string().min(1).max(200).optional(),
});

/**
 * The enabled actions and exactly what the next turn sends about them (system message, and
 * tools in native mode, with their token count), for the details panel.
 */
export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const q = query.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!q.success) throw new HttpError(400, "conversation and model must be short strings");
    let model = q.data.model ?? null;
    if (q.data.conversation) {
      const conversation = await app.store.getConversation(q.data.conversation);
      if (!conversation) {
        throw new HttpError(404, `No conversation with id ${q.data.conversation}.`);
      }
      model = conversation.model;
    }
    model ??= await app.provider().then((p) => p.model, () => null);
    const [actions, settings] = await Promise.all([app.tools.list(), app.tools.settings()]);
    const mode = turnMode(settings, model);
    const prompt = actionPrompt(actions, requestMode(mode));
    return json({
      settings,
      model,
      actions: actions.map((a) => ({
        id: toolId(a),
        description: a.spec.description,
        confirm: a.spec.confirm,
      })),
      systemMessage: {
        mode: prompt.mode,
        fallback: mode === "auto",
        text: prompt.text,
        tools: prompt.tools,
        tokens: await promptTokens(prompt),
      },
    });
  },
};
