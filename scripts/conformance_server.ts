/**
 * `deno task conformance:server`: runs the official MCP conformance suite's server scenarios
 * (`npm:@modelcontextprotocol/conformance server`) against a real rungpt's `/mcp`, with the
 * example plugins installed, and prints one line per scenario. The scenarios that do not apply
 * are listed in `conformance_server_baseline.yml`: it fails on any other failure.
 *
 * The suite has no option to send a bearer token, so it talks to a small proxy here that adds
 * rungpt's token to each request, as an MCP client's configured header would, and passes every
 * other header through unchanged (Host and Origin included: the suite's DNS-rebinding scenario
 * must reach rungpt's own guards). Extra arguments go to the suite (e.g. `--scenario ping`).
 * @module
 */
import { join } from "node:path";
import { connectTcp, http1Request } from "../lib/http/http1.ts";
import { startServer } from "../lib/web/server.ts";
import { installExamples } from "../tests/support/example_plugins.ts";

const SUITE = "npm:@modelcontextprotocol/conformance@0.1.16";
const TOKEN = "rgt_conformance-token-0123456789";
const BASELINE = join(import.meta.dirname!, "conformance_server_baseline.yml");
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding"];

/** Forwards requests to rungpt at `port` with the token added. */
function startTokenProxy(port: number): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const headers = new Headers(req.headers);
    headers.set("authorization", `Bearer ${TOKEN}`);
    const url = new URL(req.url);
    // The Host header travels as the URL's host; the connection goes to rungpt.
    const target = new URL(
      `http://${req.headers.get("host") ?? url.host}${url.pathname}${url.search}`,
    );
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : null;
    const res = await http1Request(target, { method: req.method, headers, body }, {
      connect: (signal) => connectTcp("127.0.0.1", port, target, signal),
    });
    const out = new Headers(res.headers);
    for (const name of HOP_BY_HOP) out.delete(name);
    return new Response(res.body, { status: res.status, headers: out });
  });
}

/** The suite's verdict per scenario, from the checks it saved in `dir`. */
async function summary(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isDirectory) continue;
    const checks = JSON.parse(await Deno.readTextFile(join(dir, e.name, "checks.json"))) as {
      status: string;
      errorMessage?: string;
    }[];
    const count = (s: string) => checks.filter((c) => c.status === s).length;
    const scenario = e.name.replace(/^server-/, "").replace(/-\d{4}-.*$/, "");
    const why = checks.find((c) => c.status === "FAILURE")?.errorMessage?.slice(0, 160);
    lines.push(
      `${scenario}: ${count("SUCCESS")} passed, ${count("FAILURE")} failed${
        why ? ` (${why})` : ""
      }`,
    );
  }
  return lines.sort();
}

if (import.meta.main) {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-conformance-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-conformance-plugins-" });
  const results = await Deno.makeTempDir({ prefix: "rungpt-conformance-results-" });
  await installExamples({ dataDir, pluginsDir }, ["text-transform", "checksum"]);
  const rungpt = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    dataDir,
    pluginsDir,
    env: { RUNGPT_API_TOKEN: TOKEN },
    version: "conformance",
    log: (line) => console.error(line),
  });
  const proxy = startTokenProxy(rungpt.port);
  let code = 1;
  try {
    const url = `http://localhost:${proxy.addr.port}/mcp`;
    const suite = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        SUITE,
        "server",
        "--url",
        url,
        "-o",
        results,
        "--expected-failures",
        BASELINE,
        ...Deno.args,
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    code = suite.code;
    console.log("\nrungpt as a server, per scenario:");
    for (const line of await summary(results)) console.log(`  ${line}`);
  } finally {
    await proxy.shutdown();
    await rungpt.close();
    for (const dir of [dataDir, pluginsDir, results]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  Deno.exit(code);
}
