import { requireConversation } from "../../../../lib/web/conversation.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(req, ctx) {
    const { app } = ctx.state;
    await requireConversation(app, ctx.params.id);
    return new Response(app.turns.subscribe(ctx.params.id, req.signal), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  },
};
