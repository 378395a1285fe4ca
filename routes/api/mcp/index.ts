import { z } from "zod";
import { parseServerConfig } from "../../../lib/mcp/config.ts";
import { addServer, checkNameFree } from "../../../lib/mcp/servers.ts";
import { serverView } from "../../../lib/mcp/views.ts";
import { json, readJson } from "../../../lib/web/http.ts";
import { asHttp, loadMcpView, loadMcpViews } from "../../../lib/web/mcp_views.ts";
import type { AppState } from "../../../lib/web/services.ts";
import type { Handlers } from "../../../lib/web/types.ts";

/** The fields of a server are checked by the MCP config's own rules (parseServerConfig). */
const addRequest = z.object({
  name: z.string().max(100),
  source: z.unknown(),
  args: z.unknown().optional(),
  permissions: z.unknown().optional(),
  env: z.unknown().optional(),
  headers: z.unknown().optional(),
  trustReadOnly: z.unknown().optional(),
  /** Without it nothing is saved: the answer is what would be granted (the consent dialog). */
  confirmed: z.boolean().optional(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    return json({ servers: await loadMcpViews(ctx.state.app) });
  },
  async POST(req, ctx) {
    const { app } = ctx.state;
    const { name, confirmed, ...fields } = await readJson(req, addRequest);
    const dirs = { dataDir: app.dataDir, pluginsDir: app.pluginsDir };
    try {
      const config = parseServerConfig(fields);
      if (!confirmed) {
        await checkNameFree(name, dirs);
        return json({ preview: serverView({ name, config, status: { state: "stopped" } }, []) });
      }
      await addServer(name, config, dirs);
    } catch (e) {
      asHttp(e);
    }
    await app.mcp.start(name).catch(asHttp);
    return json({ server: await loadMcpView(app, name) }, 201);
  },
};
