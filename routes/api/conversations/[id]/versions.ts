import { z } from "zod";
import { showVersion } from "../../../../lib/chat/versions.ts";
import { requireConversation } from "../../../../lib/web/conversation.ts";
import { HttpError, json, readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const body = z.object({ messageId: z.string().min(1).max(200) }).strict();

export const handler: Handlers<unknown, AppState> = {
  /** Shows the version `messageId`: answers `{ messages }`, the branch from it to its end. */
  async POST(req, ctx) {
    const { app } = ctx.state;
    const { messageId } = await readJson(req, body);
    const conversation = await requireConversation(app, ctx.params.id);
    if (app.turns.isRunning(conversation.id)) {
      throw new HttpError(
        409,
        "A reply is being generated in this conversation; stop it or wait before switching versions.",
      );
    }
    const messages = await showVersion(app.store, conversation.id, messageId);
    if (!messages) {
      throw new HttpError(404, `No message with id ${messageId} in this conversation.`);
    }
    return json({ messages });
  },
};
