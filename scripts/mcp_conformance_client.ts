/**
 * rungpt's MCP client, as the official conformance suite drives a client: it runs this with
 * the scenario's server URL as the last argument (and the scenario's name in
 * `MCP_CONFORMANCE_SCENARIO`). Everything goes through rungpt's own code (`lib/mcp`): the
 * remote source rules, the origin-only fetch, Streamable HTTP with SSE fallback, the limits.
 *
 * What it does: connect and list the tools (as rungpt does when it starts a server), call each
 * tool the scenario offers, stop. `add_numbers` gets the numbers the `tools_call` scenario
 * checks; other tools are called without arguments.
 *
 * Run by `deno task conformance:client`; exits 1 if anything failed.
 * @module
 */
import { parseServerConfig } from "../lib/mcp/config.ts";
import { DEFAULT_MCP_LIMITS } from "../lib/mcp/limits.ts";
import { McpServer } from "../lib/mcp/server.ts";

/** Arguments for the tools the suite's scenarios offer; others get `{}`. */
const ARGUMENTS: Record<string, Record<string, unknown>> = { add_numbers: { a: 5, b: 3 } };

async function run(url: string): Promise<void> {
  const config = parseServerConfig({ source: url });
  const ctx = { denoPath: Deno.execPath(), serverDir: "/nonexistent", env: {} };
  const server = new McpServer("conformance", config, ctx, DEFAULT_MCP_LIMITS, (line) => {
    console.error(`[rungpt] ${line}`);
  });
  try {
    for (const tool of await server.tools()) {
      const text = await server.call(tool.name, ARGUMENTS[tool.mcpName] ?? {});
      console.log(`${tool.mcpName}: ${text}`);
    }
  } finally {
    await server.stop();
  }
}

if (import.meta.main) {
  const url = Deno.args.at(-1);
  if (!url) {
    console.error("usage: mcp_conformance_client.ts <server url>");
    Deno.exit(2);
  }
  try {
    await run(url);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
  // Done: a stream the SDK reopened (sse-retry) may still be held open; a one-shot ends here.
  Deno.exit(0);
}
