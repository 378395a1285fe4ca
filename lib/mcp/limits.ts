/**
 * The bounds on every MCP server, enforced by rungpt whatever the server does.
 * @module
 */

/** Limits of one server. */
export interface McpLimits {
  /** Starting the server and the MCP handshake (the first start may download the package). */
  startTimeoutMs: number;
  /** Listing its tools. */
  listTimeoutMs: number;
  /** One tool call (the action time limit, `RUNGPT_ACTION_TIMEOUT_MS`). */
  callTimeoutMs: number;
  /** Tools kept from its list; a longer list is refused. */
  maxTools: number;
  /** Bytes of one tool's input schema as JSON; a larger tool is left out. */
  maxSchemaBytes: number;
  /** Bytes of one result's text (as a plugin's output). */
  outputBytes: number;
  /** Characters of one JSON-RPC message from the server; a longer one stops it. */
  maxMessageChars: number;
  /** Log lines kept per server. */
  logLines: number;
  /** The wait before the second restart in a row; it doubles with each failure after it. */
  restartBackoffMs: number;
}

/** The defaults. */
export const DEFAULT_MCP_LIMITS: McpLimits = {
  startTimeoutMs: 60_000,
  listTimeoutMs: 30_000,
  callTimeoutMs: 30_000,
  maxTools: 200,
  maxSchemaBytes: 64 * 1024,
  outputBytes: 1024 * 1024,
  maxMessageChars: 16 * 1024 * 1024,
  logLines: 200,
  restartBackoffMs: 1000,
};
