import { buildActionSystemMessage, countTokens } from "../../lib/chat/system_message.ts";
import { json } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

/** The enabled actions and the system message that describes them, for the details panel. */
export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const [actions, settings] = await Promise.all([app.actions.actions(), app.actions.settings()]);
    const mode = settings.mode === "native" ? "native" : "tags";
    const systemMessage = buildActionSystemMessage(actions, mode);
    return json({
      settings,
      actions: actions.map((a) => ({
        id: `${a.plugin}.${a.action.name}`,
        description: a.action.description,
        confirm: a.action.confirm,
      })),
      systemMessage: {
        mode,
        text: systemMessage,
        tokens: await countTokens(systemMessage),
      },
    });
  },
};
