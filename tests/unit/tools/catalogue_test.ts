import assert from "node:assert/strict";
import { createToolCatalogue, type ToolSource } from "../../../lib/tools/catalogue.ts";
import type { ActionSettings } from "../../../lib/store/settings.ts";
import { type Tool, toolId } from "../../../lib/tools/tool.ts";

function tool(owner: string, name: string, confirm = false): Tool {
  return {
    owner,
    spec: { name, description: `${owner} ${name}`, parameters: { type: "object" }, confirm },
    access: { apis: [], hosts: [], paths: [] },
    source: "plugin",
  };
}

/** A source whose runs are recorded, answering `<source>:<id>:<input>`. */
function source(label: string, tools: Tool[], ran: string[]): ToolSource {
  return {
    tools: () => Promise.resolve(tools),
    run: (t, input) => {
      ran.push(`${label}:${toolId(t)}`);
      return Promise.resolve(`${label}:${toolId(t)}:${input}`);
    },
  };
}

const settings = (over: Partial<ActionSettings> = {}): ActionSettings => ({
  mode: "auto",
  approvalMode: "auto",
  alwaysAllowed: [],
  maxRounds: 8,
  nativeToolsUnsupported: [],
  streamToolsUnsupported: [],
  ...over,
});

function catalogue(sources: ToolSource[], s = settings()) {
  const remembered: string[] = [];
  const tools = createToolCatalogue({
    sources,
    settings: () => Promise.resolve(s),
    allowAlways: (id) => Promise.resolve(void remembered.push(id)),
    markNativeUnsupported: () => Promise.resolve(),
  });
  return { tools, remembered };
}

Deno.test("catalogue: every source's tools in one sorted list; an id taken twice keeps the first", async () => {
  const ran: string[] = [];
  const { tools } = catalogue([
    source("a", [tool("weather", "forecast"), tool("clock", "now")], ran),
    source("b", [tool("clock", "now"), tool("files", "read")], ran),
  ]);
  assert.deepEqual((await tools.list()).map(toolId), [
    "clock.now",
    "files.read",
    "weather.forecast",
  ]);
  const session = await tools.session();
  // Each call reaches the source that listed the tool, the first for a shared id.
  assert.equal(
    await session.dispatch.run("files.read", "{}", AbortSignal.timeout(1000)),
    "b:files.read:{}",
  );
  assert.equal(
    await session.dispatch.run("clock.now", "{}", AbortSignal.timeout(1000)),
    "a:clock.now:{}",
  );
  await assert.rejects(
    session.dispatch.run("nope.x", "{}", AbortSignal.timeout(1000)),
    /no tool "nope.x"/,
  );
  assert.deepEqual(ran, ["b:files.read", "a:clock.now"]);
});

Deno.test("catalogue: one approval policy from the settings, for every turn", async () => {
  const src = source("a", [tool("p", "x"), tool("p", "y", true)], []);
  const ask = () => Promise.resolve("once" as const);
  {
    const { tools } = catalogue([src], settings({ alwaysAllowed: ["p.y"] }));
    const s = await tools.session({ ask });
    assert.equal(s.dispatch.policy.askAlways, false);
    assert.deepEqual([...s.dispatch.policy.alwaysAllowed], ["p.y"]);
    // "Always allow" picked during the turn holds for the rest of it.
    s.allow("p.x");
    assert.ok(s.dispatch.policy.alwaysAllowed.has("p.x"));
    assert.ok(s.dispatch.allowAlways, "a session that can ask can remember");
  }
  {
    const { tools } = catalogue([src], settings({ approvalMode: "ask" }));
    const s = await tools.session();
    assert.equal(s.dispatch.policy.askAlways, true);
    // Without `ask` (an API client) nothing is asked, and nothing remembered.
    assert.equal(s.dispatch.ask, undefined);
    assert.equal(s.dispatch.allowAlways, undefined);
  }
});
