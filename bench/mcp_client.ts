/**
 * rungpt as an MCP client: the start of a real stdio server from npm
 * (`@modelcontextprotocol/server-everything`, already in Deno's cache) up to its listed tools,
 * and the round trip of one `tools/call` of its `echo` through rungpt's `McpServer` (its own
 * stdio transport, bounded lines, result caps), against the same call from the SDK's bare
 * `Client` over the SDK's `StdioClientTransport` to the same server run the same way. The
 * difference is what rungpt's client adds to a call.
 * @module
 */
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parseServerConfig } from "../lib/mcp/config.ts";
import { DEFAULT_MCP_LIMITS } from "../lib/mcp/limits.ts";
import { McpServer } from "../lib/mcp/server.ts";
import type { Figure } from "./report.ts";
import { median, p99 } from "./stats.ts";

const SOURCE = "npm:@modelcontextprotocol/server-everything";
const STARTS = 5;
const CALLS = 300;
const WARMUP = 30;
const ARGS = { message: "hello, wonderful world" };
/** What server-everything reads at start (its gzip tool's settings); nothing else is granted. */
const ENV = ["GZIP_ALLOWED_DOMAINS", "GZIP_MAX_FETCH_SIZE", "GZIP_MAX_FETCH_TIME_MILLIS"];

/** A server rungpt starts under Deno with no grants, in a folder of its own. */
function rungptServer(dir: string): McpServer {
  const config = parseServerConfig({ source: SOURCE, args: ["stdio"], permissions: { env: ENV } });
  const ctx = { denoPath: Deno.execPath(), serverDir: dir, env: Deno.env.toObject() };
  return new McpServer("everything", config, ctx, DEFAULT_MCP_LIMITS);
}

/** The same server from the SDK's own client: `deno run --no-prompt` with no grants. */
async function bareClient(dir: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: [
        "run",
        "--no-prompt",
        "--quiet",
        "--no-config",
        `--allow-env=${ENV.join(",")}`,
        SOURCE,
        "stdio",
      ],
      cwd: dir,
      env: Deno.env.toObject(),
      stderr: "ignore",
    }),
  );
  return client;
}

/** Milliseconds of each call of `a` and `b`, warmed up, measured alternately in blocks. */
async function interleaved(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) await a(), await b();
  const times: [number[], number[]] = [[], []];
  for (let block = 0; block < CALLS / 50; block++) {
    for (const [k, call] of [a, b].entries()) {
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        await call();
        times[k].push(performance.now() - t0);
      }
    }
  }
  return times;
}

/** The MCP client figures: start to tools listed, and a call's round trip against the SDK's. */
export async function benchMcpClient(log: (s: string) => void): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "rungpt-bench-mcp-client-" });
  try {
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const server = rungptServer(join(dir, `start-${i}`));
      const t0 = performance.now();
      await server.tools(); // the first start may download the package; counted like the others
      starts.push(performance.now() - t0);
      await server.stop();
    }
    const server = rungptServer(join(dir, "calls"));
    const bare = await bareClient(dir);
    try {
      const [viaRungpt, viaSdk] = await interleaved(
        () => server.call("echo", ARGS),
        () => bare.callTool({ name: "echo", arguments: ARGS }),
      );
      const sdk = median(viaSdk);
      log(`mcp client: rungpt ${median(viaRungpt).toFixed(3)}, bare SDK ${sdk.toFixed(3)} ms`);
      return [
        {
          area: "mcp",
          name: "MCP server start to tools listed (rungpt's client, server-everything)",
          value: median(starts.slice(1)),
          unit: "ms",
          note: `median of ${STARTS - 1} warm starts; the first took ${starts[0].toFixed(0)} ms`,
        },
        {
          area: "mcp",
          name: "MCP tools/call round trip p50, rungpt's client (stdio)",
          value: median(viaRungpt),
          unit: "ms",
          baseline: sdk,
          baselineName: "the SDK's bare Client",
          note: `p99 ${p99(viaRungpt).toFixed(2)} ms; server-everything's echo`,
        },
      ];
    } finally {
      await server.stop();
      await bare.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
