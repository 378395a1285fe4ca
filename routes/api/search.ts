import { json } from "../../lib/web/http.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers } from "../../lib/web/types.ts";

export const handler: Handlers<unknown, AppState> = {
  async GET(_req, ctx) {
    const q = (ctx.url.searchParams.get("q") ?? "").slice(0, 500);
    if (!q.trim()) return json({ hits: [] });
    return json({ hits: await ctx.state.app.store.search(q, { limit: 50 }) });
  },
};
