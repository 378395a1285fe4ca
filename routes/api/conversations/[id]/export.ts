import { exportFileName, toJsonExport, toMarkdown } from "../../../../lib/chat/export.ts";
import { requireConversation } from "../../../../lib/web/conversation.ts";
import { HttpError } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const format = ctx.url.searchParams.get("format") ?? "md";
    if (format !== "md" && format !== "json") {
      throw new HttpError(400, `format must be "md" or "json", not "${format}".`);
    }
    const conversation = await requireConversation(app, ctx.params.id);
    const messages = await app.store.listMessages(conversation.id);
    const shown = new Set(messages.map((m) => m.id));
    const body = format === "md" ? toMarkdown(conversation, messages) : toJsonExport(
      conversation,
      messages,
      (await app.store.listAllMessages(conversation.id)).filter((m) => !shown.has(m.id)),
    );
    return new Response(body, {
      headers: {
        "content-type": format === "md"
          ? "text/markdown; charset=utf-8"
          : "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${exportFileName(conversation, format)}"`,
      },
    });
  },
};
