import { z } from "zod";
import { requireConversation } from "../../../../lib/web/conversation.ts";
import { json, readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const patch = z.object({
  title: z.string().max(200).optional(),
  model: z.string().min(1).max(200).nullable().optional(),
  systemPrompt: z.string().max(100_000).optional(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const conversation = await requireConversation(app, ctx.params.id);
    const live = app.turns.live.get(conversation.id)?.message;
    const messages = (await app.store.listMessages(conversation.id)).map((m) =>
      live && m.id === live.id ? { ...live } : m
    );
    return json({ conversation, messages, running: live !== undefined });
  },
  async PATCH(req, ctx) {
    const body = await readJson(req, patch);
    await requireConversation(ctx.state.app, ctx.params.id);
    return json(await ctx.state.app.store.updateConversation(ctx.params.id, body));
  },
  async DELETE(_req, ctx) {
    const { app } = ctx.state;
    await requireConversation(app, ctx.params.id);
    await app.turns.stop(ctx.params.id);
    await app.store.deleteConversation(ctx.params.id);
    return new Response(null, { status: 204 });
  },
};
