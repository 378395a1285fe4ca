/**
 * The browser's client for the MCP servers' API (`/api/mcp…`): list, preview and add, enable,
 * disable, remove, and one server's log. Every call rejects with the {@linkcode ApiError} of
 * lib/ui/api.ts, carrying the server's message (and, for a bad field, its name as `kind`).
 * @module
 */
import type { McpLogEntry } from "../mcp/server.ts";
import type { McpServerView } from "../mcp/views.ts";
import { api } from "./api.ts";

export type { McpLogEntry, McpServerView };

/** A server to add, as the form has it; the server checks every field. */
export interface McpServerInput {
  name: string;
  /** `npm:<package>[@version]`, or a remote server's `https://` URL. */
  source: string;
  args: string[];
  permissions: { read: string[]; write: string[]; net: string[]; env: string[] };
  /** Values passed to the server (sent once, never shown again). */
  env: Record<string, string>;
  /** Headers sent to a remote server (sent once, never shown again). */
  headers: Record<string, string>;
  trustReadOnly: boolean;
}

const server = (name: string) => `/api/mcp/${encodeURIComponent(name)}`;

/** Every configured server with its state, sorted by name. */
export const listMcpServers = (): Promise<McpServerView[]> =>
  api<{ servers: McpServerView[] }>("GET", "/api/mcp").then((r) => r.servers);

/** What adding `input` would grant, checked by the server; nothing is saved. */
export const previewMcpServer = (input: McpServerInput): Promise<McpServerView> =>
  api<{ preview: McpServerView }>("POST", "/api/mcp", input).then((r) => r.preview);

/** Adds the server (the user agreed to the preview) and starts it. */
export const addMcpServer = (input: McpServerInput): Promise<McpServerView> =>
  api<{ server: McpServerView }>("POST", "/api/mcp", { ...input, confirmed: true })
    .then((r) => r.server);

/** Enables (and starts) or disables (and stops) a server; returns its new view. */
export const setMcpServerEnabled = (name: string, enabled: boolean): Promise<McpServerView> =>
  api<{ server: McpServerView }>("PATCH", server(name), { enabled }).then((r) => r.server);

/** Starts an enabled server now (it would start at the next reply); returns its new view. */
export const startMcpServer = (name: string): Promise<McpServerView> =>
  api<{ server: McpServerView }>("POST", `${server(name)}/start`).then((r) => r.server);

/** Removes a server, its folder and its "Always allow" answers. */
export const removeMcpServer = (name: string): Promise<void> => api<void>("DELETE", server(name));

/** A server's recent log lines, oldest first. */
export const getMcpLog = (name: string): Promise<McpLogEntry[]> =>
  api<{ log: McpLogEntry[] }>("GET", server(name)).then((r) => r.log);
