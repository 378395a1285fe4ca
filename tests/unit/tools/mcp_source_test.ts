import assert from "node:assert/strict";
import { parseServerConfig } from "../../../lib/mcp/config.ts";
import { createMcpManager } from "../../../lib/mcp/manager.ts";
import type { McpServerTool } from "../../../lib/mcp/server.ts";
import { mcpAccess, mcpSource, needsConfirm } from "../../../lib/tools/mcp_source.ts";

const tool = (annotations: McpServerTool["annotations"]): McpServerTool => ({
  name: "t",
  mcpName: "t",
  description: "",
  inputSchema: {},
  annotations,
});

Deno.test("mcp source: tools ask first unless the user trusts the server's read-only claims", () => {
  const plain = parseServerConfig({ source: "npm:pkg" });
  const trusting = parseServerConfig({ source: "npm:pkg", trustReadOnly: true });
  assert.equal(needsConfirm(tool({ readOnlyHint: true }), plain), true);
  assert.equal(needsConfirm(tool({}), trusting), true);
  assert.equal(needsConfirm(tool({ readOnlyHint: true, destructiveHint: true }), trusting), true);
  assert.equal(needsConfirm(tool({ readOnlyHint: true }), trusting), false);
});

Deno.test("mcp source: the approval card shows the server's paths and hosts", () => {
  const config = parseServerConfig({
    source: "npm:pkg",
    permissions: { read: ["/a", "/b"], write: ["/b", "/c"], net: ["example.com"] },
  });
  assert.deepEqual(mcpAccess(config), {
    apis: [],
    hosts: ["example.com"],
    paths: [
      { path: "/a", access: "read" },
      { path: "/b", access: "read-write" },
      { path: "/c", access: "read-write" },
    ],
  });
});

Deno.test("mcp source: a broken mcp.json costs its tools only, and says why in the log", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dataDir}/mcp.json`, '{"version": 1, "servers": {"Bad Name": {}}}');
    const logs: string[] = [];
    const mcp = createMcpManager({ dataDir, env: {}, onLog: (s, l) => logs.push(`${s}: ${l}`) });
    assert.deepEqual(await mcpSource(mcp).tools(), []);
    assert.match(logs.join("\n"), /^config: .*mcp\.json: servers\.Bad Name: .*fix or remove it/m);
    await mcp.stop();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("mcp source: the approval card never says an unsandboxed server touches nothing; a remote one names its host", () => {
  const unsandboxed = mcpAccess(parseServerConfig({ source: "uvx", unsandboxed: true }));
  assert.deepEqual(unsandboxed.paths, [{ path: "/", access: "read-write" }]);
  assert.deepEqual(unsandboxed.hosts, ["any host"]);
  assert.match(unsandboxed.warning!, /runs with your full rights/);
  const remote = mcpAccess(parseServerConfig({ source: "https://mcp.example.com:8443/mcp" }));
  assert.deepEqual(remote, { apis: [], hosts: ["mcp.example.com:8443"], paths: [] });
});
