import assert from "node:assert/strict";
import { parseServerConfig } from "../../../lib/mcp/config.ts";
import { LOG_TAIL_LINES, serverView } from "../../../lib/mcp/views.ts";

const config = parseServerConfig({
  source: "npm:@modelcontextprotocol/server-memory",
  permissions: { read: ["/m"], write: ["/m"], env: ["LANG_X", "KEY"] },
  env: { KEY: "sk-secret-value", FILE: "/m/graph.jsonl" },
});

Deno.test("mcp view: env names only, each marked stored or inherited; no value anywhere", () => {
  const view = serverView({ name: "memory", config, status: { state: "stopped" } }, []);
  assert.deepEqual(view.env, [
    { name: "LANG_X", value: "inherited" },
    { name: "KEY", value: "stored" },
    { name: "FILE", value: "stored" },
  ]);
  const text = JSON.stringify(view);
  assert.ok(!text.includes("sk-secret-value") && !text.includes("graph.jsonl"), text);
});

Deno.test("mcp view: state, tools and reason from the status; disabled wins; the log's tail", () => {
  const log = Array.from({ length: 8 }, (_, i) => ({ time: i, message: `line ${i}` }));
  const up = serverView({ name: "m", config, status: { state: "connected", tools: 9 } }, log);
  assert.deepEqual([up.state, up.tools, up.reason], ["connected", 9, null]);
  assert.deepEqual(up.logTail, log.slice(-LOG_TAIL_LINES));
  const failed = { state: "failed" as const, reason: "could not start: x", retryAt: 0 };
  const down = serverView({ name: "m", config, status: failed }, []);
  assert.deepEqual([down.state, down.tools, down.reason], ["failed", null, "could not start: x"]);
  const off = serverView({
    name: "m",
    config: { ...config, enabled: false },
    status: { state: "stopped" },
  }, []);
  assert.equal(off.state, "disabled");
});
