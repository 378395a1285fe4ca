/**
 * `/mcp`: rungpt's wasm plugin actions for MCP clients over Streamable HTTP (POST messages,
 * GET the server's stream, DELETE to end a session). The app checks the bearer token, Host and
 * Origin first; sessions and their bounds are in `lib/mcp_serve/sessions.ts`.
 * @module
 */
import { DEFAULT_MCP_SESSION_LIMITS } from "../lib/mcp_serve/sessions.ts";
import type { AppState } from "../lib/web/services.ts";
import type { Handler, RouteConfig } from "../lib/web/types.ts";

export const config: RouteConfig = { bodyLimit: DEFAULT_MCP_SESSION_LIMITS.maxBodyBytes };

const handle: Handler<unknown, AppState> = (req, ctx) => ctx.state.app.mcpSessions.handle(req);

export const handler = { GET: handle, POST: handle, DELETE: handle };
