/**
 * Starts a real rungpt server for a test: temp data and plugin dirs, a free port, pointed at
 * a scripted model server. Close it to stop everything and remove the temp dirs.
 *
 * @example
 * ```ts
 * await using model = await startScriptedModel({ replies: [{ text: "Hi" }] });
 * await using rg = await startRungpt({ model });
 * const res = await rg.api("/api/conversations", { method: "POST", json: {} });
 * ```
 * @module
 */
export { readEvents } from "./sse.ts";
import { type RunningServer, startServer } from "../../lib/web/server.ts";
import type { ScriptedModel } from "./scripted_model.ts";

/** A running rungpt for tests. */
export interface TestRungpt {
  /** e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  server: RunningServer;
  token: string;
  dataDir: string;
  pluginsDir: string;
  /** The server's log lines so far (errors it reported, plugin logs). */
  logs: string[];
  /**
   * fetch() against the server with a same-origin `Origin` header and JSON body encoding,
   * as the UI sends them.
   */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options: the scripted model to talk to, and extra environment. */
export interface TestRungptOptions {
  model?: ScriptedModel;
  env?: Record<string, string>;
  hostname?: string;
  /** Reuse an existing data dir (e.g. to restart over the same database). */
  dataDir?: string;
  /** Listen on this port (default 0: a free one), e.g. where a page expects rungpt back. */
  port?: number;
}

/** Starts rungpt on 127.0.0.1 with a free port. */
export async function startRungpt(opts: TestRungptOptions = {}): Promise<TestRungpt> {
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "rungpt-data-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-plugins-" });
  const env: Record<string, string> = {
    RUNGPT_API_TOKEN: "rgt_test-token-0123456789",
    // Off unless a test turns it on: a title request would take the next scripted reply.
    RUNGPT_AUTO_TITLES: "off",
    ...(opts.model
      ? {
        OPENAI_BASE_URL: opts.model.url,
        OPENAI_API_KEY: "sk-test-key-0123456789",
        RUNGPT_MODEL: "gpt-4o",
      }
      : {}),
    ...opts.env,
  };
  const logs: string[] = [];
  const server = await startServer({
    port: opts.port ?? 0,
    hostname: opts.hostname ?? "127.0.0.1",
    dataDir,
    pluginsDir,
    env,
    version: "test",
    log: (line) => logs.push(line),
  });
  await server.ready;
  const origin = server.url.replace(/\/$/, "");
  const close = async () => {
    await server.close();
    if (ownDataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(pluginsDir, { recursive: true }).catch(() => {});
  };
  return {
    origin,
    server,
    token: env.RUNGPT_API_TOKEN,
    dataDir,
    pluginsDir,
    logs,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("origin")) headers.set("origin", origin);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(origin + path, { ...init, headers, body });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * {@linkcode startRungpt} bound to 0.0.0.0 (every interface), or `null`, with a warning, where
 * this machine does not allow binding it.
 */
export async function startRungptOnAllInterfaces(
  opts: Omit<TestRungptOptions, "hostname"> = {},
): Promise<TestRungpt | null> {
  try {
    return await startRungpt({ ...opts, hostname: "0.0.0.0" });
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied || /0\.0\.0\.0/.test(String(e))) {
      console.warn("skipping: cannot bind 0.0.0.0 here:", e);
      return null;
    }
    throw e;
  }
}
