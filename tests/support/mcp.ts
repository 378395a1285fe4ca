/**
 * MCP helpers for the tests: `rungpt mcp …` run in-process without a terminal, the environment
 * Deno needs to fetch npm servers, and a real remote server (`server-everything` from npm over
 * Streamable HTTP or HTTP+SSE on a loopback port).
 * @module
 */
import { runMcpCommand } from "../../lib/mcp/cli.ts";

/** What Deno needs to find its cache and reach the npm registry, from the test's environment. */
export function denoEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT", "NODE_EXTRA_CA_CERTS"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Runs `rungpt mcp <args>` against these dirs, without a terminal; collects its output. */
export async function runMcp(dirs: { dataDir: string; pluginsDir: string }, args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await runMcpCommand(args, {
    dataDir: dirs.dataDir,
    pluginsDir: dirs.pluginsDir,
    env: denoEnv(),
    isTerminal: false,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A running remote MCP server; `url` is its endpoint. */
export interface RemoteEverything extends AsyncDisposable {
  url: string;
}

/**
 * Starts `@modelcontextprotocol/server-everything` in `mode` on a free loopback port.
 *
 * @example
 * ```ts
 * await using everything = await startEverything("streamableHttp");
 * ```
 */
export async function startEverything(
  mode: "streamableHttp" | "sse",
): Promise<RemoteEverything> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "npm:@modelcontextprotocol/server-everything", mode],
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/(listening on|running on) port/i.test(seen)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`server-everything ${mode} did not start:\n${seen}`);
    seen += value;
  }
  // Keep draining its log so it never blocks on a full pipe.
  (async () => {
    while (!(await lines.read().catch(() => ({ done: true }))).done) { /* drain */ }
  })();
  const path = mode === "sse" ? "/sse" : "/mcp";
  return {
    url: `http://127.0.0.1:${port}${path}`,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
