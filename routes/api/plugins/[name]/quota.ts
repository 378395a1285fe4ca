import { z } from "zod";
import { setQuota } from "../../../../lib/plugins/installed.ts";
import { LockfileError } from "../../../../lib/plugins/lockfile.ts";
import { HttpError, json, readJson } from "../../../../lib/web/http.ts";
import { loadPluginViews } from "../../../../lib/web/plugin_views.ts";
import type { AppState } from "../../../../lib/web/services.ts";
import type { Handlers } from "../../../../lib/web/types.ts";

const count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const body = z.object({
  /** The new quota of the plugin's data dir; `null` restores the default. */
  quota: z.object({ bytes: count, files: count }).strict().nullable(),
}).strict();

export const handler: Handlers<unknown, AppState> = {
  async PUT(req, ctx) {
    const { app } = ctx.state;
    const { quota } = await readJson(req, body);
    const name = ctx.params.name;
    if (!(await app.plugins.list()).some((p) => p.name === name)) {
      throw new HttpError(404, `No plugin named ${name} is installed.`);
    }
    await setQuota(app.pluginsDir, name, quota).catch((e) => {
      throw e instanceof LockfileError ? new HttpError(400, e.message) : e;
    });
    // The plugin's next call reloads it with the new quota (the lock entry changed).
    const plugin = (await loadPluginViews(app)).find((p) => p.name === name);
    return json({ plugin });
  },
};
