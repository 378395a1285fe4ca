/**
 * An MCP server as the browser sees it (the plugins page and `/api/mcp`): its source, what it
 * may touch, its state and the tail of its log. Env values never leave the server: only the
 * names, and whether a value is stored for each.
 * @module
 */
import type { McpServerConfig } from "./config.ts";
import type { McpServerStatus } from "./manager.ts";
import type { McpLogEntry } from "./server.ts";

/** A variable a server may read: its value is stored in mcp.json, or it is rungpt's own. */
export interface McpEnvGrant {
  name: string;
  /** `stored`: set when it was added (shown masked); `inherited`: rungpt's environment's. */
  value: "stored" | "inherited";
}

/** Where a server is, for the page: `disabled`, or the state of its process. */
export type McpViewState = "disabled" | "stopped" | "starting" | "connected" | "failed";

/** One MCP server for the browser. */
export interface McpServerView {
  name: string;
  source: string;
  args: string[];
  enabled: boolean;
  trustReadOnly: boolean;
  read: string[];
  write: string[];
  net: string[];
  env: McpEnvGrant[];
  state: McpViewState;
  /** Its tools, when connected. */
  tools: number | null;
  /** Why it failed, when it did. */
  reason: string | null;
  /** Its last log lines (stderr and rungpt's notes), oldest first. */
  logTail: McpLogEntry[];
  /** A warning to show prominently (e.g. about what the server may do), when there is one. */
  warning?: string;
  /** Set when it runs outside Deno's sandbox, with the user's full rights. */
  unsandboxed?: boolean;
}

/** How many log lines a listed server carries. */
export const LOG_TAIL_LINES = 5;

/**
 * The env names a server may read, each marked stored or inherited.
 *
 * @example
 * ```ts
 * envGrants({ ...config, env: { KEY: "v" } }); // [{ name: "KEY", value: "stored" }]
 * ```
 */
export function envGrants(config: McpServerConfig): McpEnvGrant[] {
  const names = [...new Set([...config.permissions.env, ...Object.keys(config.env)])];
  return names.map((name) => ({ name, value: name in config.env ? "stored" : "inherited" }));
}

/**
 * The view of a configured server.
 *
 * @example
 * ```ts
 * const view = serverView(status, mcp.log(status.name));
 * ```
 */
export function serverView(
  { name, config, status }: McpServerStatus,
  log: readonly McpLogEntry[],
): McpServerView {
  const p = config.permissions;
  return {
    name,
    source: config.source,
    args: config.args,
    enabled: config.enabled,
    trustReadOnly: config.trustReadOnly,
    read: p.read,
    write: p.write,
    net: p.net,
    env: envGrants(config),
    state: config.enabled ? status.state : "disabled",
    tools: status.state === "connected" ? status.tools : null,
    reason: status.state === "failed" ? status.reason : null,
    logTail: log.slice(-LOG_TAIL_LINES),
  };
}
