import { z } from "zod";
import { safeNext, sessionCookie } from "../lib/web/auth.ts";
import { tokensEqual } from "../lib/store/token.ts";
import type { AppState } from "../lib/web/services.ts";
import type { Handlers, PageProps } from "../lib/web/types.ts";

interface LoginData {
  next: string;
  error?: string;
}

const form = z.object({ token: z.string().max(500), next: z.string().max(2000).optional() });

export const handler: Handlers<LoginData, AppState> = {
  GET(_req, ctx) {
    return ctx.render({ next: safeNext(ctx.url.searchParams.get("next")) });
  },
  async POST(req, ctx) {
    // A body that is not a form (e.g. JSON) is a bad request, not a server error.
    const data = await req.formData().catch(() => undefined);
    if (!data) {
      return ctx.render({ next: "/", error: "Send the token with the login form." }, {
        status: 400,
      });
    }
    const parsed = form.safeParse(Object.fromEntries(data));
    const next = safeNext(parsed.data?.next ?? null);
    if (!parsed.success || !tokensEqual(parsed.data.token.trim(), ctx.state.app.apiToken)) {
      return ctx.render({ next, error: "That token is not right." }, { status: 401 });
    }
    return new Response(null, {
      status: 303,
      headers: {
        location: next,
        "set-cookie": await sessionCookie(ctx.state.app.apiToken, ctx.url.protocol === "https:"),
      },
    });
  },
};

/** Asked for only when the server listens beyond this machine. */
export default function Login({ data }: PageProps<LoginData>) {
  return (
    <main class="page-message">
      <h1>rungpt</h1>
      <form method="post" action="/login" class="login-form">
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <input type="hidden" name="next" value={data.next} />
        <button type="submit">Log in</button>
        {data.error && <p role="alert" class="error">{data.error}</p>}
        <p class="hint">
          Run <code>rungpt token</code> on the machine that runs rungpt to see the token.
        </p>
      </form>
    </main>
  );
}
