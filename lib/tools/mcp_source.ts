/**
 * MCP servers as a tool source: each enabled server's tools, run in the server's process under
 * the Deno permissions the user granted.
 *
 * Approval: an MCP tool asks before every call (`confirm: true`): its annotations are the
 * server's own claims. A server added with `trustReadOnly` lets its tools that say
 * `readOnlyHint: true` (and not `destructiveHint: true`) run without asking, as a plugin
 * action without `confirm` does. "Always allow" works per tool as for plugins.
 * @module
 */
import { type McpServerConfig, sourceKind } from "../mcp/config.ts";
import { UNSANDBOXED_WARNING } from "../mcp/consent.ts";
import type { McpManager } from "../mcp/manager.ts";
import type { McpServerTool } from "../mcp/server.ts";
import type { ToolAccess } from "./call.ts";
import type { ToolSource } from "./catalogue.ts";

/**
 * The MCP manager's tools as catalogue tools (source `"mcp"`, owner = the server's name).
 *
 * @example
 * ```ts
 * const tools = createToolCatalogue({ sources: [pluginSource(plugins), mcpSource(mcp)], ... });
 * ```
 */
export function mcpSource(mcp: McpManager): ToolSource {
  return {
    async tools() {
      return (await mcp.tools()).map(({ server, config, tool }) => ({
        owner: server,
        ownerDescription: ownerDescription(config),
        spec: {
          name: tool.name,
          description: tool.description,
          parameters: tool.inputSchema,
          confirm: needsConfirm(tool, config),
        },
        access: mcpAccess(config),
        source: "mcp",
      }));
    },
    run: (tool, input, opts) => mcp.call(tool.owner, tool.spec.name, input, opts.signal),
  };
}

/** Whether a tool asks first: always, unless the user trusts the server's read-only claims. */
export function needsConfirm(tool: McpServerTool, config: McpServerConfig): boolean {
  const readOnly = tool.annotations.readOnlyHint === true &&
    tool.annotations.destructiveHint !== true;
  return !(config.trustReadOnly && readOnly);
}

function ownerDescription(config: McpServerConfig): string {
  const kind = sourceKind(config);
  if (kind === "remote") return `remote MCP server at ${new URL(config.source).origin}`;
  if (kind === "command") return `unsandboxed MCP server ${config.source}`;
  return `MCP server ${config.source}`;
}

/**
 * What a server may touch, for the approval card: its Deno permissions; the remote origin the
 * arguments go to; or, unsandboxed, everything (the card must not say "nothing").
 */
export function mcpAccess(config: McpServerConfig): ToolAccess {
  const kind = sourceKind(config);
  if (kind === "remote") return { apis: [], hosts: [new URL(config.source).host], paths: [] };
  if (kind === "command") {
    return {
      apis: ["unsandboxed: runs programs with your full rights"],
      hosts: ["any host"],
      paths: [{ path: "/", access: "read-write" }],
      warning: UNSANDBOXED_WARNING,
    };
  }
  const { read, write, net } = config.permissions;
  const paths = [
    ...read.filter((p) => !write.includes(p)).map((path) => ({ path, access: "read" as const })),
    // Deno's write grant does not include reading; shown as read-write, the wider of the two.
    ...write.map((path) => ({ path, access: "read-write" as const })),
  ];
  return { apis: [], hosts: [...net], paths };
}
