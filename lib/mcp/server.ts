/**
 * One MCP server as rungpt runs it: started on first use, its tools listed once per start
 * (bounded and named by the action rule), each call bounded in time and output and cancelled
 * with its signal. A server that crashed or failed is started again on the next use, at once
 * after a first failure and then with a growing delay; its state says why.
 * @module
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  ErrorCode,
  McpError,
  type Tool as McpTool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type McpServerConfig, sourceKind } from "./config.ts";
import { launchCommand, type LaunchContext } from "./launch.ts";
import type { McpLimits } from "./limits.ts";
import { connectRemote } from "./remote.ts";
import { resultText } from "./result.ts";
import { mapToolNames } from "./tool_names.ts";
import { ProcessTransport } from "./transport.ts";

/** Where a server is in its life. */
export type McpServerState =
  | { state: "stopped" }
  | { state: "starting" }
  | { state: "connected"; tools: number }
  | { state: "failed"; reason: string; retryAt: number };

/** One tool of a server, under its action name. */
export interface McpServerTool {
  /** The action name (see tool_names.ts). */
  name: string;
  /** The name the server knows it by. */
  mcpName: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean };
}

/** A log line of a server (stderr, and rungpt's notes about it), control characters escaped. */
export interface McpLogEntry {
  time: number;
  message: string;
}

/** An error of a server that ends the call it was for. */
export class McpServerError extends Error {
  override name = "McpServerError";
}

interface Connection {
  client: Client;
  transport: Transport;
  tools: McpServerTool[];
  /** The listing after a `list_changed` notification, if one runs. */
  relisting?: Promise<void>;
}

const MAX_BACKOFF_MS = 60_000;
const MAX_LIST_PAGES = 50;

/**
 * A configured server and its process.
 *
 * @example
 * ```ts
 * const server = new McpServer("memory", config, ctx, DEFAULT_MCP_LIMITS);
 * const tools = await server.tools();
 * const text = await server.call("read_graph", {}, signal);
 * ```
 */
export class McpServer {
  readonly name: string;
  readonly config: McpServerConfig;
  readonly #ctx: LaunchContext;
  readonly #limits: McpLimits;
  readonly #log: McpLogEntry[] = [];
  #state: McpServerState = { state: "stopped" };
  #connecting?: Promise<Connection>;
  #connection?: Connection;
  #failures = 0;

  readonly #onLog?: (line: string) => void;

  constructor(
    name: string,
    config: McpServerConfig,
    ctx: LaunchContext,
    limits: McpLimits,
    onLog?: (line: string) => void,
  ) {
    this.name = name;
    this.config = config;
    this.#ctx = ctx;
    this.#limits = limits;
    this.#onLog = onLog;
  }

  /** Its state now. */
  get state(): McpServerState {
    return this.#state;
  }

  /** Its recent log lines, oldest first. */
  get log(): readonly McpLogEntry[] {
    return this.#log;
  }

  /** Its tools, starting it if needed. */
  async tools(): Promise<McpServerTool[]> {
    return (await this.#connect()).tools;
  }

  /** Calls a tool by its action name; resolves to the result's text. */
  async call(name: string, args: unknown, signal?: AbortSignal): Promise<string> {
    const conn = await this.#connect();
    const tool = conn.tools.find((t) => t.name === name);
    if (!tool) throw new McpServerError(`MCP server "${this.name}" has no tool "${name}"`);
    const params = { name: tool.mcpName, arguments: (args ?? {}) as Record<string, unknown> };
    let result;
    try {
      result = await conn.client.callTool(params, undefined, {
        signal,
        timeout: this.#limits.callTimeoutMs,
        maxTotalTimeout: this.#limits.callTimeoutMs,
      });
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      throw new McpServerError(
        `MCP server "${this.name}", tool "${name}": ${this.#callFailure(e)}`,
      );
    }
    // A call answered: the server works, so its next crash is retried at once again. (Not
    // reset at start: a server that crashes on every call backs off.)
    this.#failures = 0;
    return resultText(result as Parameters<typeof resultText>[0], this.#limits.outputBytes);
  }

  /** Why a call failed, in words: the SDK's codes for a timeout and a lost connection. */
  #callFailure(e: unknown): string {
    const code = e instanceof McpError ? (e as { code: number }).code : undefined;
    if (code === ErrorCode.RequestTimeout) {
      return `the call exceeded the time limit of ${this.#limits.callTimeoutMs} ms`;
    }
    if (code === ErrorCode.ConnectionClosed) {
      return "the server stopped during the call; it is started again on the next call";
    }
    return e instanceof Error ? e.message : String(e);
  }

  /** Stops its process (it starts again on the next use). */
  async stop(): Promise<void> {
    const conn = this.#connection ?? await this.#connecting?.catch(() => undefined);
    this.#connection = undefined;
    this.#connecting = undefined;
    await conn?.transport.close();
    this.#state = { state: "stopped" };
  }

  #connect(): Promise<Connection> {
    if (this.#connection) return Promise.resolve(this.#connection);
    if (this.#state.state === "failed" && Date.now() < this.#state.retryAt) {
      const wait = Math.ceil((this.#state.retryAt - Date.now()) / 1000);
      return Promise.reject(
        new McpServerError(
          `MCP server "${this.name}" failed: ${this.#state.reason}; it is tried again in ${wait} s`,
        ),
      );
    }
    this.#connecting ??= this.#start().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #start(): Promise<Connection> {
    this.#state = { state: "starting" };
    let opened: { client: Client; transport: Transport } | undefined;
    try {
      opened = await this.#open();
      const tools = await this.#listTools(opened.client);
      const conn = { ...opened, tools };
      // The client's own handler fails its pending requests; keep it and add ours.
      const clientOnClose = conn.transport.onclose;
      conn.transport.onclose = () => {
        clientOnClose?.();
        this.#lost(conn);
      };
      conn.client.setNotificationHandler(
        ToolListChangedNotificationSchema,
        () => this.#relist(conn),
      );
      this.#connection = conn;
      this.#state = { state: "connected", tools: tools.length };
      return conn;
    } catch (e) {
      await opened?.transport.close().catch(() => {});
      throw this.#fail(`could not start: ${this.#describe(e)}`);
    }
  }

  /** Connects: a remote server over HTTP, any other as a process rungpt spawns. */
  async #open(): Promise<{ client: Client; transport: Transport }> {
    const newClient = () => new Client({ name: "rungpt", version: "1" }, { capabilities: {} });
    const timeout = this.#limits.startTimeoutMs;
    if (sourceKind(this.config) === "remote") {
      const remote = await connectRemote(
        {
          url: this.config.source,
          headers: this.config.headers,
          maxMessageBytes: this.#limits.maxMessageChars,
        },
        newClient,
        timeout,
      );
      this.#note(`connected over ${remote.kind}`);
      return remote;
    }
    await Deno.mkdir(this.#ctx.serverDir, { recursive: true });
    const transport = new ProcessTransport(launchCommand(this.config, this.#ctx), {
      maxMessageChars: this.#limits.maxMessageChars,
      log: (line) => this.#note(line),
    });
    const client = newClient();
    try {
      await client.connect(transport, { timeout });
    } catch (e) {
      await transport.close().catch(() => {});
      throw e;
    }
    return { client, transport };
  }

  /** `notifications/tools/list_changed`: the tools are listed again, one listing at a time. */
  #relist(conn: Connection): Promise<void> {
    conn.relisting = (conn.relisting ?? Promise.resolve()).then(async () => {
      if (this.#connection !== conn) return;
      try {
        conn.tools = await this.#listTools(conn.client);
        this.#state = { state: "connected", tools: conn.tools.length };
        this.#note(`its tools changed: ${conn.tools.length} now`);
      } catch (e) {
        this.#note(`listing its changed tools failed, the old list is kept: ${this.#describe(e)}`);
      }
    });
    return conn.relisting;
  }

  async #listTools(client: Client): Promise<McpServerTool[]> {
    const listed: McpTool[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      // Pages without tools would otherwise be asked for without end.
      if (++pages > MAX_LIST_PAGES) {
        throw new Error(`its tool list has more than ${MAX_LIST_PAGES} pages`);
      }
      const page = await client.listTools(cursor ? { cursor } : undefined, {
        timeout: this.#limits.listTimeoutMs,
      });
      listed.push(...page.tools);
      if (listed.length > this.#limits.maxTools) {
        throw new Error(`it lists more than ${this.#limits.maxTools} tools`);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return this.#accept(listed);
  }

  /** The listed tools that fit: a name of the action rule and a schema within the bound. */
  #accept(listed: McpTool[]): McpServerTool[] {
    const { names, refused } = mapToolNames(listed.map((t) => t.name));
    for (const r of refused) this.#note(`tool "${r.name}" left out: ${r.reason}`);
    const byMcpName = new Map(listed.map((t) => [t.name, t]));
    const out: McpServerTool[] = [];
    for (const [name, mcpName] of names) {
      const t = byMcpName.get(mcpName)!;
      const schemaBytes = new TextEncoder().encode(JSON.stringify(t.inputSchema)).length;
      if (schemaBytes > this.#limits.maxSchemaBytes) {
        this.#note(
          `tool "${mcpName}" left out: its input schema has ${schemaBytes} bytes, above ${this.#limits.maxSchemaBytes}`,
        );
        continue;
      }
      out.push({
        name,
        mcpName,
        description: (t.description ?? t.title ?? "").slice(0, 4096),
        inputSchema: t.inputSchema as Record<string, unknown>,
        annotations: {
          readOnlyHint: t.annotations?.readOnlyHint,
          destructiveHint: t.annotations?.destructiveHint,
        },
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The process ended while connected: the next use starts it again. */
  #lost(conn: Connection): void {
    if (this.#connection !== conn) return;
    this.#connection = undefined;
    this.#fail("the server exited");
  }

  #fail(reason: string): McpServerError {
    this.#failures++;
    // The first failure retries at once (a crash is often a one-off); then 1 s, 2 s, … 60 s.
    const delay = this.#failures <= 1
      ? 0
      : Math.min(MAX_BACKOFF_MS, this.#limits.restartBackoffMs * 2 ** (this.#failures - 2));
    this.#state = { state: "failed", reason, retryAt: Date.now() + delay };
    this.#note(reason);
    return new McpServerError(`MCP server "${this.name}" ${reason}`);
  }

  #describe(e: unknown): string {
    const message = e instanceof Error ? e.message : String(e);
    const tail = this.#log.slice(-3).map((l) => l.message).join(" | ");
    return tail && !message.includes(tail) ? `${message} (its log: ${tail})` : message;
  }

  #note(line: string): void {
    const message = escapeControl(line);
    this.#onLog?.(message);
    this.#log.push({ time: Date.now(), message });
    if (this.#log.length > this.#limits.logLines) {
      this.#log.splice(0, this.#log.length - this.#limits.logLines);
    }
  }
}

/** Control characters (terminal escapes) as `\xNN`, so a log line is shown as text. */
function escapeControl(s: string): string {
  // deno-lint-ignore no-control-regex
  const control = /[\x00-\x1f\x7f]/g;
  return s.replace(
    control,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
