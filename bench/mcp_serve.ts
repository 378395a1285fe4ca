/**
 * rungpt as an MCP server: the round trip of one `tools/call` of the text-transform example's
 * `uppercase` from the SDK's `Client`, through `/mcp` of a `rungpt serve` process (Streamable
 * HTTP) and through a `rungpt mcp serve` process (stdio), against the baseline of the same call
 * straight into the plugin manager in this process (same worker, no MCP, no catalogue). The
 * difference is what MCP, its transport and the catalogue's dispatch add to a call.
 * @module
 */
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { createPluginManager } from "../lib/plugins/manager.ts";
import { installExamples } from "../tests/support/example_plugins.ts";
import { BENCH_TOKEN, spawnRungpt } from "./procs.ts";
import type { Figure } from "./report.ts";
import { median, p99 } from "./stats.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ROUNDS = 6;
const CALLS_PER_ROUND = 50;
const WARMUP = 20;
const ARGS = { text: "hello, wonderful world" };

type Call = () => Promise<unknown>;

/**
 * Milliseconds of each call of each of `calls`, warmed up, then measured in alternating
 * blocks: a shared machine's load drifts, and no way should get the quiet minutes alone.
 */
async function timeInterleaved(calls: Call[]): Promise<number[][]> {
  for (const call of calls) for (let i = 0; i < WARMUP; i++) await call();
  const out = calls.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, call] of calls.entries()) {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        const t0 = performance.now();
        await call();
        out[k].push(performance.now() - t0);
      }
    }
  }
  return out;
}

/** A connected client's `tools/call` of uppercase, failing loudly on an error result. */
async function mcpCall(transport: Transport): Promise<{ call: Call; close(): Promise<void> }> {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  return {
    async call() {
      const res = await client.callTool({ name: "textDtransform__uppercase", arguments: ARGS });
      if (res.isError) throw new Error(`the call failed: ${JSON.stringify(res.content)}`);
    },
    close: () => client.close(),
  };
}

/** `deno task mcp-serve` as an mcpServers entry runs it, over these dirs. */
async function stdioTransport(dataDir: string, pluginsDir: string): Promise<Transport> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words = (config.tasks["mcp-serve"] as string).split(/\s+/).slice(1);
  return new StdioClientTransport({
    command: Deno.execPath(),
    args: words.map((w) => w === "main.ts" ? join(ROOT, "main.ts") : w),
    cwd: ROOT,
    env: {
      ...Deno.env.toObject(),
      RUNGPT_DATA_DIR: dataDir,
      RUNGPT_PLUGINS_DIR: pluginsDir,
      NO_COLOR: "1",
    },
    stderr: "ignore",
  });
}

function figure(name: string, samples: number[], direct: number, note: string): Figure {
  return {
    area: "mcp",
    name,
    value: median(samples),
    unit: "ms",
    baseline: direct,
    baselineName: "plugin manager, in process",
    note: `p99 ${p99(samples).toFixed(2)} ms; ${note}`,
  };
}

/** The MCP server figures: HTTP and stdio round trips against a direct call. */
export async function benchMcpServe(log: (s: string) => void): Promise<Figure[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-bench-mcp-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-bench-mcp-plugins-" });
  const cleanup: (() => Promise<void>)[] = [];
  try {
    await installExamples({ dataDir, pluginsDir }, ["text-transform"]);
    const plugins = createPluginManager({ pluginsDir, dataDir });
    cleanup.push(() => plugins.close());
    const rungpt = await spawnRungpt({ dataDir, pluginsDir });
    cleanup.push(() => rungpt.close());
    const http = await mcpCall(
      new StreamableHTTPClientTransport(new URL(`${rungpt.origin}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${BENCH_TOKEN}` } },
      }),
    );
    cleanup.push(() => http.close());
    const stdio = await mcpCall(await stdioTransport(dataDir, pluginsDir));
    cleanup.push(() => stdio.close());

    const [direct, overHttp, overStdio] = await timeInterleaved([
      () => plugins.call("text-transform", "uppercase", JSON.stringify(ARGS)),
      http.call,
      stdio.call,
    ]);
    const d = median(direct);
    log(
      `mcp: direct ${d.toFixed(3)}, /mcp ${median(overHttp).toFixed(3)}, stdio ${
        median(overStdio).toFixed(3)
      } ms (p50)`,
    );
    return [
      figure("tools/call round trip p50, /mcp (HTTP)", overHttp, d, "rungpt serve process"),
      figure("tools/call round trip p50, stdio", overStdio, d, "rungpt mcp serve process"),
    ];
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(pluginsDir, { recursive: true }).catch(() => {});
  }
}
