import { z } from "zod";
import { removeServer, serverConfig, setServerEnabled } from "../../../../lib/mcp/servers.ts";
import { forgetPluginApprovals } from "../../../../lib/store/settings.ts";
import { json, readJson } from "../../../../lib/web/http.ts";
import { asHttp, loadMcpView } from "../../../../lib/web/mcp_views.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const patch = z.object({ enabled: z.boolean() }).strict();

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    return json({
      server: await loadMcpView(app, ctx.params.name),
      log: app.mcp.log(ctx.params.name),
    });
  },
  async PATCH(req, ctx) {
    const { app } = ctx.state;
    const { name } = ctx.params;
    const { enabled } = await readJson(req, patch);
    await setServerEnabled(app.dataDir, name, enabled).catch(asHttp);
    // Enabled: started now, so the page shows whether it works. Disabled: its process stops.
    await (enabled ? app.mcp.start(name) : app.mcp.list()).catch(asHttp);
    return json({ server: await loadMcpView(app, name) });
  },
  async DELETE(_req, ctx) {
    const { app } = ctx.state;
    const { name } = ctx.params;
    await serverConfig(app.dataDir, name).catch(asHttp);
    // First: a failure here leaves the server configured, never its approvals for a successor.
    await forgetPluginApprovals(app.dataDir, name);
    await removeServer(app.dataDir, name).catch(asHttp);
    await app.mcp.list().catch(() => {}); // stops its process
    return new Response(null, { status: 204 });
  },
};
