import SettingsForm from "../islands/SettingsForm.tsx";
import type { PublicSettings } from "../lib/store/settings.ts";
import type { AppState } from "../lib/web/services.ts";
import type { Handlers, PageProps } from "../lib/web/types.ts";

export const handler: Handlers<PublicSettings, AppState> = {
  async GET(_req, ctx) {
    return ctx.render(await ctx.state.app.publicSettings());
  },
};

/** API key, base URL and default model. */
export default function Settings({ data }: PageProps<PublicSettings>) {
  return <SettingsForm settings={data} />;
}
