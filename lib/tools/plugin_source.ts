/**
 * Wasm plugins as a tool source: each enabled plugin's actions, run in their sandboxes by the
 * plugin manager.
 * @module
 */
import type { PluginManager } from "../plugins/manager.ts";
import type { ToolSource } from "./catalogue.ts";

/**
 * The plugin manager's actions as tools.
 *
 * @example
 * ```ts
 * const tools = createToolCatalogue({ sources: [pluginSource(plugins)], ... });
 * ```
 */
export function pluginSource(plugins: PluginManager): ToolSource {
  return {
    async tools() {
      return (await plugins.actions()).map((a) => ({
        owner: a.plugin,
        ownerDescription: a.pluginDescription,
        spec: a.action,
        access: {
          apis: [...a.apis],
          hosts: [...a.grants.net.hosts],
          paths: a.grants.fs.map((p) => ({ path: p.path, access: p.access })),
        },
        source: "plugin",
        timeoutMs: plugins.timeLimitMs,
      }));
    },
    run: (tool, input, opts) => plugins.call(tool.owner, tool.spec.name, input, opts),
    warm: () => plugins.warm(),
  };
}
