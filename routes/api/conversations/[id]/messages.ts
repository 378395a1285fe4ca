import { z } from "zod";
import { readJson } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import { messageWithFiles } from "../../../../lib/web/attachment_input.ts";
import { startTurn } from "../../../../lib/web/turn_routes.ts";
import type { Handlers, RouteConfig } from "../../../../lib/web/types.ts";

export const config: RouteConfig = { bodyLimit: 2 * 1024 * 1024 };

const body = messageWithFiles(z.object({ content: z.string().trim().max(1_000_000) }));

export const handler: Handlers<unknown, AppState> = {
  async POST(req, ctx) {
    const { content, attachments } = await readJson(req, body);
    return startTurn(ctx.state.app, ctx.params.id, {
      kind: "send",
      content: content ?? "",
      attachments,
    });
  },
};
