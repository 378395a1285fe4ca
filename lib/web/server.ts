/**
 * Starts rungpt's HTTP server: opens the store, wires the services, builds the web app and
 * listens. Used by `main.ts` and by the tests, so both run the same server.
 * @module
 */
import { UserError } from "../errors.ts";
import { join } from "node:path";
import manifest from "../../fresh.gen.ts";
import { finishInterruptedCalls } from "../chat/recovery.ts";
import { assertDirsApart } from "../plugins/dirs_apart.ts";
import { ensureDir, type Env } from "../store/paths.ts";
import { autoTitles, envActionMode, envCorsOrigins } from "../store/settings.ts";
import { openSqliteStore } from "../store/sqlite.ts";
import { loadOrCreateApiToken } from "../store/token.ts";
import { createWebApp } from "./app.ts";
import { logPath } from "./http.ts";
import { externalUrls } from "./reachable.ts";
import { isLoopbackHost } from "./security.ts";
import { type AppServices, createServices } from "./services.ts";

/** How to start the server. */
export interface ServerOptions {
  port: number;
  hostname: string;
  dataDir: string;
  pluginsDir: string;
  env: Env;
  version: string;
  /** Development mode: unminified bundles. */
  dev?: boolean;
  /** Log lines go here (default: stderr). */
  log?: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  port: number;
  /** A link that logs the browser in, when the UI needs a login; else `url`. */
  loginUrl: string;
  /**
   * The same link at each address other machines can use, for a server bound to all
   * interfaces (`0.0.0.0`, `::`); empty otherwise.
   */
  externalLoginUrls: string[];
  services: AppServices;
  /** Settles when the island bundles are built (the UI can be served). */
  ready: Promise<void>;
  /** Stops running turns (persisting them), install jobs, the server and the store. */
  close(): Promise<void>;
}

/** Thrown when the server cannot start, with a message saying what to do. */
export class ServerStartError extends UserError {
  override name = "ServerStartError";
}

/**
 * @example
 * ```ts
 * const server = await startServer({ port: 0, hostname: "127.0.0.1", dataDir, pluginsDir, env, version });
 * await server.close();
 * ```
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.error(line));
  // A mistyped RUNGPT_ACTION_MODE is refused here, not silently taken as "auto".
  envActionMode(opts.env);
  autoTitles({}, opts.env); // and so is a RUNGPT_AUTO_TITLES that is neither on nor off
  // Before anything is created: a plugin must never be able to reach its own install.
  await assertDirsApart(opts);
  // So is an entry of RUNGPT_CORS_ORIGINS that is not an origin (or is "*").
  envCorsOrigins(opts.env);
  await ensureDir(opts.dataDir);
  const store = await openSqliteStore(join(opts.dataDir, "rungpt.db"));
  const recovered = await store.recoverInterrupted(finishInterruptedCalls);
  if (recovered) log(`Recovered ${recovered} reply(ies) interrupted by the last shutdown.`);
  let apiToken: string;
  try {
    apiToken = await loadOrCreateApiToken(opts.dataDir, opts.env);
  } catch (e) {
    // A bad RUNGPT_API_TOKEN or token file: say so, rather than crash with a stack trace.
    await store.close();
    throw new ServerStartError(e instanceof Error ? e.message : String(e));
  }
  const onError = (e: unknown) => log(`error: ${e instanceof Error ? e.stack ?? e.message : e}`);
  const services = createServices({
    version: opts.version,
    store,
    dataDir: opts.dataDir,
    pluginsDir: opts.pluginsDir,
    env: opts.env,
    apiToken,
    log,
    onError,
  });
  // Files uploaded but never sent, and files of chats deleted while the server was down.
  services.attachments.sweepUnsent().catch(onError);
  const requireUiLogin = !isLoopbackHost(opts.hostname);
  const root = new URL("../../", import.meta.url).pathname;
  const allowedHosts = (opts.env.RUNGPT_ALLOWED_HOSTS ?? "").split(",").map((h) => h.trim())
    .filter(Boolean);
  const { app, ready } = createWebApp({
    manifest,
    state: { app: services },
    hostname: opts.hostname,
    allowedHosts,
    corsOrigins: services.corsOrigins,
    token: apiToken,
    requireUiLogin,
    staticDirs: {
      "/static": join(root, "static"),
      "/vendor/katex": join(root, "node_modules", "katex", "dist"),
    },
    dev: opts.dev,
    cacheDir: join(opts.dataDir, "cache"),
    onError: (e, req) =>
      onError(`${req.method} ${logPath(req)}: ${e instanceof Error ? e.stack : e}`),
  });
  ready.catch((e) => log(`error: ${e.message}`));

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      port: opts.port,
      hostname: opts.hostname,
      onListen: () => {},
      onError: (e) => {
        onError(e);
        return new Response("Internal error", { status: 500 });
      },
    }, app.fetch);
  } catch (e) {
    await store.close();
    throw bindError(e, opts.hostname, opts.port);
  }
  const port = server.addr.port;
  const shownHost = opts.hostname.includes(":") ? `[${opts.hostname}]` : opts.hostname;
  const url = `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${port}/`;
  const login = (base: string) =>
    requireUiLogin ? `${base}?token=${encodeURIComponent(apiToken)}` : base;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    loginUrl: login(url),
    externalLoginUrls: externalUrls(opts.hostname, port).map(login),
    services,
    ready,
    close: () =>
      closing ??= (async () => {
        await services.turns.shutdown();
        // Install jobs (one may wait for an answer) stop and delete their clones; their event
        // streams end, so the server's shutdown does not wait for them.
        await services.jobs.close();
        // Open /mcp streams end, so the shutdown does not wait for them either.
        await services.mcpSessions.close();
        await server.shutdown();
        await services.plugins.close();
        // No MCP server process outlives rungpt.
        await services.mcp.stop();
        await store.close();
      })(),
  };
}

/**
 * Why the server could not listen, as one line naming the host and port: a port in use, an
 * address this machine does not have, a name that does not resolve, or whatever else the
 * system said.
 */
export function bindError(e: unknown, hostname: string, port: number): ServerStartError {
  const host = JSON.stringify(hostname);
  if (e instanceof Deno.errors.AddrInUse) {
    return new ServerStartError(
      `Port ${port} on ${hostname} is already in use. Stop the other program or pick another port with --port.`,
    );
  }
  if (e instanceof Deno.errors.AddrNotAvailable) {
    return new ServerStartError(
      `Cannot listen on ${hostname}: no such address on this machine. Pick one of its addresses with --host (default 127.0.0.1).`,
    );
  }
  const reason = e instanceof Error ? e.message : String(e);
  if (/lookup address|not known|nodename|getaddrinfo|no address associated/i.test(reason)) {
    return new ServerStartError(
      `Cannot listen on --host ${host}: no address found for that name. Give an address of this machine, e.g. 127.0.0.1.`,
    );
  }
  return new ServerStartError(`Cannot listen on --host ${host} port ${port}: ${reason}`);
}
