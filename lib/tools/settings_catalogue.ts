/**
 * The tool catalogue over the settings file: approval mode and "Always allow" read from it, and
 * answers saved into it. The server's services and `rungpt mcp serve` build theirs here, so both
 * approve calls alike.
 * @module
 */
import { actionSettings, loadSettings, updateSettings } from "../store/settings.ts";
import type { Env } from "../store/paths.ts";
import { createToolCatalogue, type ToolCatalogue, type ToolSource } from "./catalogue.ts";

/** Where the catalogue's sources and settings are. */
export interface SettingsCatalogueOptions {
  sources: readonly ToolSource[];
  dataDir: string;
  env: Env;
}

/**
 * A catalogue over `sources` whose settings live in `dataDir`'s settings file.
 *
 * @example
 * ```ts
 * const tools = createSettingsCatalogue({ sources: [pluginSource(plugins)], dataDir, env });
 * ```
 */
export function createSettingsCatalogue(opts: SettingsCatalogueOptions): ToolCatalogue {
  const { dataDir } = opts;
  return createToolCatalogue({
    sources: opts.sources,
    settings: async () => actionSettings(await loadSettings(dataDir), opts.env),
    allowAlways: (id) => addToList(dataDir, "alwaysAllowed", id),
    markNativeUnsupported: (name) => addToList(dataDir, "nativeToolsUnsupported", name),
    markStreamToolsUnsupported: (name) => addToList(dataDir, "streamToolsUnsupported", name),
  });
}

/** Adds `value` to a list setting, as one step in the settings' save queue. */
async function addToList(
  dataDir: string,
  field: "alwaysAllowed" | "nativeToolsUnsupported" | "streamToolsUnsupported",
  value: string,
): Promise<void> {
  await updateSettings(dataDir, (stored) => {
    const list = stored[field] ?? [];
    return list.includes(value) ? null : { [field]: [...list, value] };
  });
}
