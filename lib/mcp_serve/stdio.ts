/**
 * `rungpt mcp serve`: the wasm plugin actions for one MCP client over stdio (what Claude Desktop
 * and VS Code start from an `mcpServers` entry). stdout carries MCP only; logs go to stderr. It
 * needs no web server: the plugin manager and the catalogue over the settings file suffice.
 * @module
 */
import process from "node:process";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { actionLimits } from "../plugins/action_limits.ts";
import { assertDirsApart } from "../plugins/dirs_apart.ts";
import { createPluginManager } from "../plugins/manager.ts";
import type { Env } from "../store/paths.ts";
import { escapeControls } from "../text/escape_controls.ts";
import { pluginSource } from "../tools/plugin_source.ts";
import { createSettingsCatalogue } from "../tools/settings_catalogue.ts";
import { createToolServer } from "./tool_server.ts";

/** Where the plugins and settings are. */
export interface StdioServeOptions {
  pluginsDir: string;
  dataDir: string;
  env: Env;
  version: string;
}

/**
 * Serves MCP on stdin/stdout until the client closes stdin; resolves then.
 *
 * @example
 * ```ts
 * await serveStdio({ pluginsDir, dataDir, env: Deno.env.toObject(), version: "0.1.0" });
 * ```
 */
export async function serveStdio(opts: StdioServeOptions): Promise<void> {
  await assertDirsApart(opts);
  const plugins = createPluginManager({
    pluginsDir: opts.pluginsDir,
    dataDir: opts.dataDir,
    limits: actionLimits(opts.env),
    onLog: (e) => console.error(escapeControls(`[plugin ${e.plugin}] ${e.level}: ${e.message}`)),
  });
  const tools = createSettingsCatalogue({
    sources: [pluginSource(plugins)],
    dataDir: opts.dataDir,
    env: opts.env,
  });
  const server = createToolServer(tools, opts.version);
  const closed = new Promise<void>((resolve) => server.onclose = resolve);
  // The SDK's transport does not notice the end of stdin: the client has gone.
  process.stdin.once("end", () => void server.close());
  await server.connect(new StdioServerTransport());
  try {
    await closed;
  } finally {
    await plugins.close();
  }
}
