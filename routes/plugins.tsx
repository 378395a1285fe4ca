import PluginManager from "../islands/PluginManager.tsx";
import type { PluginView } from "../lib/plugins/views.ts";
import { loadPluginViews } from "../lib/web/plugin_views.ts";
import type { AppState } from "../lib/web/services.ts";
import type { Handlers, PageProps } from "../lib/web/types.ts";

export const handler: Handlers<PluginView[], AppState> = {
  async GET(_req, ctx) {
    return ctx.render(await loadPluginViews(ctx.state.app));
  },
};

/** Install, update, configure, enable, disable and remove plugins. */
export default function Plugins({ data }: PageProps<PluginView[]>) {
  return <PluginManager plugins={data} />;
}
