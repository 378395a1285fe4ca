import { z } from "zod";
import { readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import { startTurn } from "../../../../lib/web/turn_routes.ts";
import type { Handlers, RouteConfig } from "../../../../lib/web/types.ts";

export const config: RouteConfig = { bodyLimit: 2 * 1024 * 1024 };

/** `messageId`: the user message this is a new version of; omitted, the last one. */
const body = z.object({
  content: z.string().trim().min(1, "must not be empty").max(1_000_000),
  messageId: z.string().min(1).max(200).optional(),
});

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { content, messageId } = await readJson(req, body);
    return startTurn(ctx.state.app, ctx.params.id, { kind: "edit", content, messageId });
  },
};
