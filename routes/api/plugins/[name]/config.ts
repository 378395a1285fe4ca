import { z } from "zod";
import { setPluginConfig } from "../../../../lib/plugins/installed.ts";
import { LockfileError } from "../../../../lib/plugins/lockfile.ts";
import { HttpError, json, readJson } from "../../../../lib/web/http.ts";
import { loadPluginViews } from "../../../../lib/web/plugin_views.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const body = z.object({
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async PUT(req, ctx) {
    const { app } = ctx.state;
    const { values } = await readJson(req, body);
    const name = ctx.params.name;
    if (!(await app.plugins.list()).some((p) => p.name === name)) {
      throw new HttpError(404, `No plugin named ${name} is installed.`);
    }
    try {
      await setPluginConfig(app.pluginsDir, name, values);
    } catch (e) {
      if (e instanceof LockfileError) throw new HttpError(400, e.message);
      throw e;
    }
    // The sandbox reads settings when it loads the plugin.
    await app.plugins.invalidate(name);
    const plugin = (await loadPluginViews(app)).find((p) => p.name === name);
    return json({ plugin });
  },
};
