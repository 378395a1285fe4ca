/**
 * An MCP server as the browser sees it (the plugins page and `/api/mcp`): its source, what it
 * may touch, its state and the tail of its log. Env and header values never leave the server:
 * only the names (and whether a value is stored for each env name). An unsandboxed server says
 * so with `unsandboxed: true` and a `warning` the page shows prominently.
 * @module
 */
import { type McpServerConfig, type SourceKind, sourceKind } from "./config.ts";
import { UNSANDBOXED_WARNING } from "./consent.ts";
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
  /** `npm` (sandboxed by Deno), `remote` (a URL) or `command` (unsandboxed). */
  kind: SourceKind;
  args: string[];
  enabled: boolean;
  trustReadOnly: boolean;
  read: string[];
  write: string[];
  net: string[];
  env: McpEnvGrant[];
  /** Names of the headers sent to a remote server (values never shown). */
  headers: string[];
  state: McpViewState;
  /** Its tools, when connected. */
  tools: number | null;
  /** Why it failed, when it did. */
  reason: string | null;
  /** Its last log lines (stderr and rungpt's notes), oldest first. */
  logTail: McpLogEntry[];
  /** A warning to show prominently (set for unsandboxed servers). */
  warning?: string;
  /** Present, and true, only for a server that runs outside Deno's sandbox, with the user's rights. */
  unsandboxed?: true;
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
  const view: McpServerView = {
    name,
    source: config.source,
    kind: sourceKind(config),
    args: config.args,
    enabled: config.enabled,
    trustReadOnly: config.trustReadOnly,
    read: p.read,
    write: p.write,
    net: p.net,
    env: envGrants(config),
    headers: Object.keys(config.headers),
    state: config.enabled ? status.state : "disabled",
    tools: status.state === "connected" ? status.tools : null,
    reason: status.state === "failed" ? status.reason : null,
    logTail: log.slice(-LOG_TAIL_LINES),
  };
  if (config.unsandboxed) {
    view.unsandboxed = true;
    view.warning = UNSANDBOXED_WARNING;
  }
  return view;
}
