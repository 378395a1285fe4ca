/**
 * Loads the browser's view of installed plugins (see lib/plugins/views.ts).
 * @module
 */
import { getPluginConfig, readUserConfig } from "../plugins/installed.ts";
import { type PluginView, pluginView } from "../plugins/views.ts";
import type { AppServices } from "./services.ts";

/** Every installed plugin, as the /plugins page shows it. */
export async function loadPluginViews(app: AppServices): Promise<PluginView[]> {
  const dir = app.plugins.pluginsDir;
  return await Promise.all(
    (await app.plugins.list()).map(async (p) => {
      const usable = p.manifest !== null;
      const effective = usable ? await getPluginConfig(dir, p.name).catch(() => ({})) : {};
      const user = usable ? await readUserConfig(dir, p.name).catch(() => ({})) : {};
      return pluginView(p, effective, user);
    }),
  );
}
