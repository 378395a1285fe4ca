import PluginManager, { type PluginManagerProps } from "../islands/PluginManager.tsx";
import { loadMcpViews } from "../lib/web/mcp_views.ts";
import { jobTitle } from "../lib/ui/plugin_job.ts";
import { loadAppCatalogue } from "../lib/web/plugin_catalogue.ts";
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
    // A job still running (or waiting for consent) is picked up again by the reopened page.
    const job = app.jobs.running().at(-1);
    return ctx.render({
      plugins: await loadPluginViews(app),
      mcp,
      catalogue: await loadAppCatalogue(app),
      resume: job ? { id: job.id, title: jobTitle(job.request) } : null,
    });
  },
};

/** The catalogue to install from; install, update, configure, enable, disable and remove plugins
 * and MCP servers. */
export default function Plugins({ data }: PageProps<PluginManagerProps>) {
  return <PluginManager {...data} />;
}
