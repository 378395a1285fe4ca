/**
 * Loads the browser's view of the MCP servers (see lib/mcp/views.ts), and turns the MCP
 * config's errors into HTTP answers that name what was wrong.
 * @module
 */
import { McpConfigError } from "../mcp/config.ts";
import { McpChangeError } from "../mcp/servers.ts";
import { type McpServerView, serverView } from "../mcp/views.ts";
import { HttpError } from "./http.ts";
import type { AppServices } from "./services.ts";

/** Every configured MCP server, sorted by name, as the /plugins page shows it. */
export async function loadMcpViews(app: AppServices): Promise<McpServerView[]> {
  const servers = await app.mcp.list().catch(asHttp);
  return servers.map((s) => serverView(s, app.mcp.log(s.name)));
}

/** One server's view; a 404 when there is none. */
export async function loadMcpView(app: AppServices, name: string): Promise<McpServerView> {
  const found = (await loadMcpViews(app)).find((s) => s.name === name);
  if (!found) throw new HttpError(404, `No MCP server named ${name}.`, "not_found");
  return found;
}

const STATUS = { invalid: 400, taken: 409, not_found: 404 } as const;

/**
 * Rethrows the user's errors as HTTP errors with their message: a bad field is a 400 whose
 * `kind` names it, a name taken a 409, a missing server a 404, a broken mcp.json a 409 (fix
 * the file). Anything else is rethrown as is.
 */
export function asHttp(e: unknown): never {
  if (e instanceof McpChangeError) {
    throw new HttpError(STATUS[e.failure], e.message, e.failure === "invalid" ? "name" : e.failure);
  }
  if (e instanceof McpConfigError) {
    throw e.field
      ? new HttpError(400, e.message, e.field)
      : new HttpError(409, e.message, "config");
  }
  throw e;
}
