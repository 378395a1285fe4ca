/**
 * The Streamable HTTP sessions of `/mcp`: one SDK transport and one tool server per session,
 * bounded in number (the least recently used is closed to make room) and closed after sitting
 * idle (swept at each request, so no timer outlives the server; the count bounds what waits).
 * Requests are authenticated and Host/Origin-checked before they get here.
 * @module
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";

/** Bounds of the sessions. */
export interface McpSessionLimits {
  /** Most sessions open at once. */
  maxSessions: number;
  /** A session unused this long (milliseconds) is closed. */
  idleMs: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
}

/** The defaults: enough for a handful of clients on one machine. */
export const DEFAULT_MCP_SESSION_LIMITS: McpSessionLimits = {
  maxSessions: 32,
  idleMs: 30 * 60_000,
  maxBodyBytes: 4 * 1024 * 1024,
};

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  lastUsed: number;
}

/** A JSON-RPC error answer with no request id, as the transport itself sends them. */
function rpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}

/**
 * The open sessions of `/mcp`.
 *
 * @example
 * ```ts
 * const sessions = new McpSessions(() => createToolServer(pluginTools, version));
 * const res = await sessions.handle(request);
 * ```
 */
export class McpSessions {
  readonly limits: McpSessionLimits;
  #open = new Map<string, Session>();
  #newServer: () => Server;
  #now: () => number;

  constructor(
    newServer: () => Server,
    limits: Partial<McpSessionLimits> = {},
    now: () => number = Date.now,
  ) {
    this.#newServer = newServer;
    this.limits = { ...DEFAULT_MCP_SESSION_LIMITS, ...limits };
    this.#now = now;
  }

  /** How many sessions are open. */
  get size(): number {
    return this.#open.size;
  }

  /** Answers one request to `/mcp` (POST, GET or DELETE). */
  async handle(req: Request): Promise<Response> {
    await this.#closeIdle();
    const id = req.headers.get("mcp-session-id");
    if (id === null) {
      if (req.method !== "POST") {
        return rpcError(400, -32000, "Bad Request: send the Mcp-Session-Id header.");
      }
      return await this.#start(req);
    }
    const session = this.#open.get(id);
    if (!session) {
      return rpcError(404, -32001, "Session not found: it ended or expired; initialize again.");
    }
    session.lastUsed = this.#now();
    return await session.transport.handleRequest(req);
  }

  /** Closes every session. */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => {})));
  }

  /** A sessionless POST: an `initialize` opens a session; anything else the transport refuses. */
  async #start(req: Request): Promise<Response> {
    const server = this.#newServer();
    const session: Session = {
      server,
      lastUsed: this.#now(),
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        maxRequestBodySize: this.limits.maxBodyBytes,
        onsessioninitialized: async (id: string) => {
          await this.#makeRoom();
          this.#open.set(id, session);
        },
        onsessionclosed: (id: string) => {
          this.#open.delete(id);
        },
      }),
    };
    await server.connect(session.transport);
    const res = await session.transport.handleRequest(req);
    // Not an initialize (or a failed one): nothing to keep.
    if (session.transport.sessionId === undefined) await server.close();
    return res;
  }

  /** Closes the least recently used sessions until a new one fits. */
  async #makeRoom(): Promise<void> {
    while (this.#open.size >= this.limits.maxSessions) {
      const [id, oldest] = [...this.#open].reduce((a, b) => a[1].lastUsed <= b[1].lastUsed ? a : b);
      this.#open.delete(id);
      await oldest.server.close().catch(() => {});
    }
  }

  async #closeIdle(): Promise<void> {
    const cutoff = this.#now() - this.limits.idleMs;
    for (const [id, s] of this.#open) {
      if (s.lastUsed > cutoff) continue;
      this.#open.delete(id);
      await s.server.close().catch(() => {});
    }
  }
}
