import { eventStream, listenersFull, MAX_LISTENERS } from "../../../../lib/chat/live.ts";
import { requireConversation } from "../../../../lib/web/conversation.ts";
import { HttpError } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(req, ctx) {
    const { app } = ctx.state;
    await requireConversation(app, ctx.params.id);
    if (listenersFull(app.turns.live, ctx.params.id)) {
      throw new HttpError(
        429,
        `This conversation already has ${MAX_LISTENERS} open event streams; close some of its tabs.`,
        "too_many_streams",
      );
    }
    return new Response(eventStream(app.turns.live, ctx.params.id, req.signal), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  },
};
