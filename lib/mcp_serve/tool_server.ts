/**
 * rungpt as an MCP server: the SDK's `Server` offering the catalogue's wasm plugin actions as
 * MCP tools. Calls go through the catalogue's dispatch (arguments checked against the schema,
 * approval, the plugin's sandbox with its grants, time limit and output cap), exactly as a chat
 * turn's do. One `Server` serves one client connection (stdio, or one HTTP session).
 *
 * Approval: an action that needs it (`confirm: true`, or "ask first" mode) asks the user through
 * the client's form elicitation; "Always allow" answers saved in settings count; a client that
 * cannot elicit gets an error result saying why and what to do.
 * @module
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type Tool as McpTool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ActionCall, ApprovalDecision } from "../tools/call.ts";
import type { ToolCatalogue } from "../tools/catalogue.ts";
import { dispatchCall, needsApproval } from "../tools/dispatch.ts";
import { parseToolName, toolName } from "../tools/openai.ts";
import { type Tool, toolId } from "../tools/tool.ts";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** How long the user has to answer an approval request, in milliseconds. */
const APPROVAL_TIMEOUT_MS = 5 * 60_000;

/** Only wasm plugin actions are offered: MCP servers rungpt uses are not re-exported. */
function exportedTools(tools: readonly Tool[]): Tool[] {
  return tools.filter((t) => t.source === "plugin");
}

/**
 * A tool as MCP lists it: the function name (`<plugin>__<action>`, as in native tool calls),
 * the action id as its title, its description and JSON Schema.
 */
export function mcpTool(tool: Tool): McpTool {
  const id = toolId(tool);
  return {
    name: toolName(tool.owner, tool.spec.name),
    title: id,
    description: tool.spec.description,
    inputSchema: tool.spec.parameters as McpTool["inputSchema"],
    annotations: {
      title: id,
      // The sandbox reaches the network only with hosts granted: that much rungpt knows itself.
      openWorldHint: tool.access.hosts.length > 0,
      // The manifest's claim, passed on as the hint it is.
      ...(tool.spec.readOnly === undefined ? {} : { readOnlyHint: tool.spec.readOnly }),
    },
  };
}

/** What a finished call gives the client: its text, or its error as an `isError` result. */
function callResult(call: ActionCall): CallToolResult {
  if (call.status === "done") return { content: [{ type: "text", text: call.result ?? "" }] };
  return { content: [{ type: "text", text: call.error ?? call.status }], isError: true };
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** Asks the client's user to approve `call` through form elicitation. */
function elicitApproval(server: Server) {
  return async (call: ActionCall, signal: AbortSignal): Promise<ApprovalDecision> => {
    const answer = await server.elicitInput({
      mode: "form",
      message: `rungpt: allow the plugin action ${call.name} to run with ${
        JSON.stringify(call.args)
      }?`,
      requestedSchema: {
        type: "object",
        properties: {
          always: {
            type: "boolean",
            title: "Always allow",
            description: `Run ${call.name} without asking from now on.`,
            default: false,
          },
        },
      },
    }, { signal, timeout: APPROVAL_TIMEOUT_MS });
    if (answer.action !== "accept") return "deny";
    return answer.content?.always === true ? "always" : "once";
  };
}

/**
 * A new MCP server over `tools` (a catalogue of wasm plugin actions).
 *
 * @example
 * ```ts
 * const server = createToolServer(services.pluginTools, "0.1.0");
 * await server.connect(new StdioServerTransport());
 * ```
 */
export function createToolServer(tools: ToolCatalogue, version: string): Server {
  const server = new Server(
    { name: "rungpt", title: "rungpt plugins", version },
    {
      capabilities: { tools: {} },
      instructions:
        "Tools are rungpt's wasm plugin actions, each run in its sandbox with only the grants the user gave it.",
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    return { tools: exportedTools(await tools.list()).map(mcpTool) };
  });
  server.setRequestHandler(
    CallToolRequestSchema,
    async (request: CallToolRequest, extra: Extra) => {
      const canAsk = server.getClientCapabilities()?.elicitation !== undefined;
      const session = await tools.session({ ask: canAsk ? elicitApproval(server) : undefined });
      const offered = exportedTools(session.tools);
      const { name, arguments: args = {} } = request.params;
      const ref = parseToolName(name, offered);
      const tool = ref && offered.find((t) => t.owner === ref.owner && t.spec.name === ref.name);
      if (!tool) {
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}": see tools/list.`);
      }
      const id = toolId(tool);
      if (!canAsk && needsApproval(tool, session.dispatch.policy)) {
        return errorResult(
          `${id} asks the user before every call, and this MCP client cannot ask (it did not declare the elicitation capability). Allow it in advance in rungpt's Settings ("Always allow"), or use a client that supports elicitation.`,
        );
      }
      const call: ActionCall = {
        id: String(extra.requestId),
        name: id,
        args,
        status: "pending",
        offset: 0,
        round: 0,
        mode: "native",
      };
      const deps = { ...session.dispatch, tools: offered };
      await dispatchCall(call, { ok: true, value: args }, deps, extra.signal);
      return callResult(call);
    },
  );
  return server;
}
