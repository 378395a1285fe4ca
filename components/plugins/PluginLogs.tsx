/**
 * A plugin's recent log lines (what it wrote through `rungpt:log`, and its errors), fetched
 * when the section is opened.
 * @module
 */
import { getPlugin } from "../../lib/ui/plugins_api.ts";
import { RecentLogs } from "./RecentLogs.tsx";

/** The collapsible "Recent logs" section of a plugin's card. */
export function PluginLogs({ plugin }: { plugin: string }) {
  return <RecentLogs load={async () => (await getPlugin(plugin)).logs} />;
}
