import { z } from "zod";
import { json, readJson } from "../../../lib/web/http.ts";
import type { AppState } from "../../../lib/web/services.ts";
import { messageWithFiles } from "../../../lib/web/attachment_input.ts";
import { startConversation } from "../../../lib/web/turn_routes.ts";
import type { Handlers, RouteConfig } from "../../../lib/web/types.ts";

// A first message may come with it (as large as one sent to /messages).
export const config: RouteConfig = { bodyLimit: 2 * 1024 * 1024 };

const query = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

export const newConversation = messageWithFiles(
  z.object({
    title: z.string().max(200).optional(),
    model: z.string().min(1).max(200).nullable().optional(),
    systemPrompt: z.string().max(100_000).optional(),
    /** The first message: the conversation is created only if its turn can start. */
    content: z.string().trim().max(1_000_000).optional(),
  }).strict(),
);

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const q = query.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!q.success) return json({ error: "limit and offset must be whole numbers" }, 400);
    return json({ conversations: await ctx.state.app.store.listConversations(q.data) });
  },
  async POST(req, ctx) {
    const { content, attachments, ...fields } = await readJson(req, newConversation);
    if (content !== undefined || attachments?.length) {
      return startConversation(ctx.state.app, fields, content ?? "", attachments);
    }
    return json(await ctx.state.app.store.createConversation(fields), 201);
  },
};
