import { z } from "zod";
import { setEnabled } from "../../../../lib/plugins/installed.ts";
import { InstallError, removePlugin } from "../../../../lib/plugins/install.ts";
import { LockfileError } from "../../../../lib/plugins/lockfile.ts";
import { forgetPluginApprovals } from "../../../../lib/store/settings.ts";
import { HttpError, json, readJson } from "../../../../lib/web/http.ts";
import { loadPluginViews } from "../../../../lib/web/plugin_views.ts";
import type { AppServices, AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const patch = z.object({ enabled: z.boolean() }).strict();

async function view(app: AppServices, name: string) {
  const found = (await loadPluginViews(app)).find((p) => p.name === name);
  if (!found) throw new HttpError(404, `No plugin named ${name} is installed.`);
  return found;
}

/** Installer and lockfile errors are the user's to fix: 400 with their message. */
function asHttp(e: unknown): never {
  if (e instanceof InstallError || e instanceof LockfileError) throw new HttpError(400, e.message);
  throw e;
}

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    return json({
      plugin: await view(app, ctx.params.name),
      logs: app.plugins.logs(ctx.params.name),
    });
  },
  async PATCH(req, ctx) {
    const { app } = ctx.state;
    const { enabled } = await readJson(req, patch);
    await view(app, ctx.params.name);
    await setEnabled(app.pluginsDir, ctx.params.name, enabled).catch(asHttp);
    await app.plugins.invalidate(ctx.params.name);
    return json({ plugin: await view(app, ctx.params.name) });
  },
  async DELETE(_req, ctx) {
    const { app } = ctx.state;
    await view(app, ctx.params.name);
    // First: a failure here leaves the plugin installed, never its approvals for a successor.
    await forgetPluginApprovals(app.dataDir, ctx.params.name);
    await app.plugins.invalidate(ctx.params.name);
    await removePlugin(ctx.params.name, { pluginsDir: app.pluginsDir, dataDir: app.dataDir }).catch(
      asHttp,
    );
    return new Response(null, { status: 204 });
  },
};
