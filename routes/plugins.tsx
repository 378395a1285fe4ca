import PluginManager, { type PluginManagerProps } from "../islands/PluginManager.tsx";
import { loadMcpViews } from "../lib/web/mcp_views.ts";
import { loadPluginViews } from "../lib/web/plugin_views.ts";
import type { AppState } from "../lib/web/services.ts";
import type { Handlers, PageProps } from "../lib/web/types.ts";

export const handler: Handlers<PluginManagerProps, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    // A broken mcp.json is shown in its section; the plugins stay usable.
    const mcp = await loadMcpViews(app).then(
      (servers) => ({ servers }),
      (e: Error) => ({ servers: [], error: e.message }),
    );
    return ctx.render({ plugins: await loadPluginViews(app), mcp });
  },
};

/** Install, update, configure, enable, disable and remove plugins and MCP servers. */
export default function Plugins({ data }: PageProps<PluginManagerProps>) {
  return <PluginManager {...data} />;
}
