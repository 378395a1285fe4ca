import { asHttp, loadMcpView } from "../../../../lib/web/mcp_views.ts";
import { HttpError, json } from "../../../../lib/web/http.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  /** Starts an enabled server now rather than at the next reply (the page's "Start now"). */
  async POST(_req, ctx) {
    const { app } = ctx.state;
    const { name } = ctx.params;
    if (!(await loadMcpView(app, name)).enabled) {
      throw new HttpError(
        409,
        `MCP server ${name} is disabled; enable it to start it.`,
        "disabled",
      );
    }
    await app.mcp.start(name).catch(asHttp);
    return json({ server: await loadMcpView(app, name) });
  },
};
