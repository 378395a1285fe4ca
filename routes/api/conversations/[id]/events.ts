import { requireConversation } from "../../../../lib/web/conversation.ts";
import { TurnError } from "../../../../lib/chat/turns.ts";
import { HttpError } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(req, ctx) {
    const { app } = ctx.state;
    await requireConversation(app, ctx.params.id);
    let events: ReadableStream<Uint8Array>;
    try {
      events = app.turns.subscribe(ctx.params.id, req.signal);
    } catch (e) {
      throw e instanceof TurnError ? new HttpError(e.status, e.message, e.kind) : e;
    }
    return new Response(events, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  },
};
