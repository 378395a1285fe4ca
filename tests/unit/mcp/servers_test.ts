import assert from "node:assert/strict";
import { parseServerConfig, readMcpConfig } from "../../../lib/mcp/config.ts";
import {
  addServer,
  McpChangeError,
  removeServer,
  setServerEnabled,
} from "../../../lib/mcp/servers.ts";

const config = parseServerConfig({ source: "npm:@modelcontextprotocol/server-memory" });

async function dirs() {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-mcp-servers-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-mcp-plugins-" });
  return {
    dataDir,
    pluginsDir,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dataDir, { recursive: true });
      await Deno.remove(pluginsDir, { recursive: true });
    },
  };
}

const failure = (kind: string) => (e: unknown) => e instanceof McpChangeError && e.failure === kind;

Deno.test("mcp servers: changes at once are queued, none lost; one name is added once", async () => {
  await using d = await dirs();
  const names = Array.from({ length: 12 }, (_, i) => `server-${i}`);
  await Promise.all(names.map((n) => addServer(n, config, d)));
  assert.deepEqual(Object.keys((await readMcpConfig(d.dataDir)).servers).sort(), names.sort());
  const twice = await Promise.allSettled([addServer("x", config, d), addServer("x", config, d)]);
  assert.deepEqual(twice.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  await Promise.all(names.map((n, i) => setServerEnabled(d.dataDir, n, i % 2 === 0)));
  const { servers } = await readMcpConfig(d.dataDir);
  assert.deepEqual(names.map((n) => servers[n].enabled), names.map((_, i) => i % 2 === 0));
});

Deno.test("mcp servers: a missing server is not_found; a bad or reserved name invalid", async () => {
  await using d = await dirs();
  await assert.rejects(setServerEnabled(d.dataDir, "nope", true), failure("not_found"));
  await assert.rejects(removeServer(d.dataDir, "nope"), failure("not_found"));
  await assert.rejects(addServer("Bad Name", config, d), failure("invalid"));
  await assert.rejects(addServer("rungpt", config, d), failure("invalid"));
  await addServer("memory", config, d);
  await assert.rejects(addServer("memory", config, d), failure("taken"));
  await removeServer(d.dataDir, "memory");
  assert.deepEqual((await readMcpConfig(d.dataDir)).servers, {});
});
