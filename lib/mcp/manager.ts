/**
 * The MCP servers of one rungpt: the enabled servers of the config, each an
 * {@linkcode McpServer}, kept while its config stays the same and stopped when it changes, is
 * disabled or removed. Lives in the server's services; `stop()` ends every process.
 * @module
 */
import { type McpServerConfig, readMcpConfig } from "./config.ts";
import { mcpServerDir } from "./launch.ts";
import { DEFAULT_MCP_LIMITS, type McpLimits } from "./limits.ts";
import { McpServer, type McpServerState, type McpServerTool } from "./server.ts";

/** Options of {@linkcode createMcpManager}. */
export interface McpManagerOptions {
  dataDir: string;
  /** rungpt's environment (Deno's own variables, granted names without a stored value). */
  env: Record<string, string | undefined>;
  /** The Deno binary; default `Deno.execPath()`. */
  denoPath?: string;
  limits?: Partial<McpLimits>;
  /** Server log lines (each server's stderr goes here too). */
  onLog?: (server: string, line: string) => void;
}

/** A configured server as listed. */
export interface McpServerStatus {
  name: string;
  config: McpServerConfig;
  status: McpServerState;
}

/** A tool of an enabled, running server. */
export interface McpToolEntry {
  server: string;
  config: McpServerConfig;
  tool: McpServerTool;
}

/** The MCP servers' API. */
export interface McpManager {
  /** Every configured server with its state. */
  list(): Promise<McpServerStatus[]>;
  /** The tools of every enabled server, starting them; a server that fails is left out. */
  tools(): Promise<McpToolEntry[]>;
  /** Calls `server`'s tool `name` (its action name) with JSON arguments. */
  call(server: string, name: string, input: string, signal?: AbortSignal): Promise<string>;
  /**
   * Starts enabled server `name` in the background unless it runs (a page shows whether it
   * works); resolves once it is starting. A server that failed waits for its back-off.
   */
  start(name: string): Promise<void>;
  /** A server's recent log lines. */
  log(server: string): readonly { time: number; message: string }[];
  /** Stops every server process. */
  stop(): Promise<void>;
}

/**
 * Creates the manager for `dataDir`'s MCP config.
 *
 * @example
 * ```ts
 * const mcp = createMcpManager({ dataDir, env: Deno.env.toObject() });
 * const tools = await mcp.tools();
 * await mcp.stop();
 * ```
 */
export function createMcpManager(opts: McpManagerOptions): McpManager {
  const limits = { ...DEFAULT_MCP_LIMITS, ...opts.limits };
  const denoPath = opts.denoPath ?? Deno.execPath();
  const running = new Map<string, McpServer>();

  /** The enabled servers of the config now, reusing those whose config is unchanged. */
  async function sync(): Promise<McpServer[]> {
    const { servers } = await readMcpConfig(opts.dataDir);
    for (const [name, server] of running) {
      const now = servers[name];
      if (!now?.enabled || JSON.stringify(now) !== JSON.stringify(server.config)) {
        running.delete(name);
        await server.stop();
      }
    }
    for (const [name, config] of Object.entries(servers)) {
      if (!config.enabled || running.has(name)) continue;
      const ctx = { denoPath, serverDir: mcpServerDir(opts.dataDir, name), env: opts.env };
      running.set(
        name,
        new McpServer(name, config, ctx, limits, (line) => opts.onLog?.(name, line)),
      );
    }
    return [...running.values()];
  }

  return {
    async list() {
      await sync();
      const { servers } = await readMcpConfig(opts.dataDir);
      return Object.entries(servers).sort(([a], [b]) => a.localeCompare(b)).map((
        [name, config],
      ) => ({
        name,
        config,
        status: running.get(name)?.state ?? { state: "stopped" },
      }));
    },
    async tools() {
      let servers: McpServer[];
      try {
        servers = await sync();
      } catch (e) {
        // A broken mcp.json costs its tools only, never a turn.
        opts.onLog?.("config", (e as Error).message);
        return [];
      }
      const lists = await Promise.all(servers.map(async (s) => {
        try {
          return (await s.tools()).map((tool) => ({ server: s.name, config: s.config, tool }));
        } catch {
          return []; // Its state and log say why.
        }
      }));
      return lists.flat();
    },
    async call(server, name, input, signal) {
      const s = running.get(server) ?? (await sync(), running.get(server));
      if (!s) throw new Error(`no enabled MCP server "${server}"; see rungpt mcp list`);
      let args: unknown;
      try {
        args = input.trim() ? JSON.parse(input) : {};
      } catch {
        throw new Error(`the arguments for ${server}.${name} are not valid JSON`);
      }
      return await s.call(name, args, signal);
    },
    async start(name) {
      await sync();
      void running.get(name)?.tools().catch(() => {}); // Its state and log say why.
    },
    log: (server) => running.get(server)?.log ?? [],
    async stop() {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((s) => s.stop()));
    },
  };
}
