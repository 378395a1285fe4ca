import { z } from "zod";
import {
  loadMessageWindow,
  MAX_PAGE_SIZE,
  MessageNotFoundError,
} from "../../../../lib/chat/page_data.ts";
import { requireConversation } from "../../../../lib/web/conversation.ts";
import { describeIssues, HttpError, json, readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const patch = z.object({
  title: z.string().max(200).optional(),
  model: z.string().min(1).max(200).nullable().optional(),
  systemPrompt: z.string().max(100_000).optional(),
  pinned: z.boolean().optional(),
}).strict();

/** `?before=<seq>&limit=<n>` pages back; `?through=<messageId>` opens the window down to it. */
const windowQuery = z.object({
  before: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  through: z.string().min(1).max(200).optional(),
});

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const q = windowQuery.safeParse(Object.fromEntries(ctx.url.searchParams));
    if (!q.success) throw new HttpError(400, `Invalid query: ${describeIssues(q.error)}`);
    const conversation = await requireConversation(app, ctx.params.id);
    // A turn still starting has no message yet, but runs: the client follows it.
    const live = app.turns.snapshot(conversation.id);
    try {
      const { messages, hasMore } = await loadMessageWindow(
        app.store,
        conversation.id,
        q.data,
        live ?? undefined,
      );
      return json({ conversation, messages, running: live !== undefined, hasMore });
    } catch (err) {
      if (err instanceof MessageNotFoundError) throw new HttpError(404, err.message);
      throw err;
    }
  },
  async PATCH(req, ctx) {
    const body = await readJson(req, patch);
    await requireConversation(ctx.state.app, ctx.params.id);
    // A title sent here is the user's (a rename): generated titles leave it alone from now on.
    const fields = body.title === undefined ? body : { ...body, titleByUser: true };
    return json(await ctx.state.app.store.updateConversation(ctx.params.id, fields));
  },
  async DELETE(_req, ctx) {
    const { app } = ctx.state;
    await requireConversation(app, ctx.params.id);
    await app.turns.stop(ctx.params.id);
    await app.store.deleteConversation(ctx.params.id);
    // Its messages' attachment records went with it; now the files no other message names.
    await app.attachments.sweep();
    return new Response(null, { status: 204 });
  },
};
