import type { DescribedTool } from "../../../lib/tools/tool.ts";
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { ActionSpec } from "../../../lib/plugins/manifest.ts";
import { parseToolName, TOOL_NAME, toolName, toOpenAITools } from "../../../lib/tools/openai.ts";

function spec(name: string, parameters: Record<string, unknown> = { type: "object" }): ActionSpec {
  return { name, description: `does ${name}`, parameters, confirm: false };
}

Deno.test("simple names read naturally", () => {
  assertEquals(toolName("probe", "echo"), "probe__echo");
  assertEquals(toolName("my_tool", "run_it"), "my_tool__run_it");
  assertEquals(toolName("web-search", "query"), "webDsearch__query");
  assertEquals(parseToolName("probe__echo"), { owner: "probe", name: "echo" });
  assertEquals(parseToolName("webDsearch__query"), { owner: "web-search", name: "query" });
});

Deno.test("names that collide under a naive plugin__action scheme stay distinct", () => {
  const pairs: [string, string][] = [
    ["a", "b__c"],
    ["a__b", "c"],
    ["a_", "b"],
    ["a", "b"],
    ["a_", "_b".slice(1)],
    ["a-", "b"],
    ["a_-", "b"],
    ["a-_", "b"],
    ["a___", "b_"],
    ["a", "b_"],
  ];
  const names = new Map<string, string>();
  for (const [plugin, action] of pairs) {
    const name = toolName(plugin, action);
    assert(TOOL_NAME.test(name), name);
    const id = `${plugin}.${action}`;
    const other = names.get(name);
    assert(other === undefined || other === id, `${id} and ${other} both map to ${name}`);
    names.set(name, id);
    assertEquals(parseToolName(name), { owner: plugin, name: action }, name);
  }
  assertEquals(toolName("a", "b__c"), "a__b__c");
  assertEquals(toolName("a__b", "c"), "aU_b__c");
  assertEquals(toolName("a_", "b"), "aU__b");
});

Deno.test("round trip over every plugin name of up to 3 characters", () => {
  const first = "ab";
  const rest = "a0_-";
  const plugins: string[] = [];
  for (const c1 of first) {
    plugins.push(c1);
    for (const c2 of rest) {
      plugins.push(c1 + c2);
      for (const c3 of rest) plugins.push(c1 + c2 + c3);
    }
  }
  const actions = ["a", "a_", "a__b", "b_a", "z9"];
  const seen = new Set<string>();
  for (const plugin of plugins) {
    for (const action of actions) {
      const name = toolName(plugin, action);
      assert(TOOL_NAME.test(name), name);
      assert(!seen.has(name), `duplicate ${name}`);
      seen.add(name);
      assertEquals(parseToolName(name), { owner: plugin, name: action }, name);
    }
  }
});

Deno.test("non-canonical and foreign names do not map", () => {
  for (
    const name of [
      "",
      "echo",
      "__echo",
      "probe__",
      "probe__Echo",
      "Probe__echo",
      "a___b", // would be plugin "a_" but that encodes as aU__b
      "a-b__c", // a raw "-" is not how "-" is encoded
      "probe.echo",
      "x".repeat(65),
    ]
  ) {
    assertEquals(parseToolName(name), null, name);
  }
});

Deno.test("names over 64 characters are shortened and resolved through the action list", () => {
  const plugin = "p".repeat(40);
  const action = "a".repeat(64);
  const name = toolName(plugin, action);
  assertEquals(name.length, 64);
  assert(TOOL_NAME.test(name));
  const other = toolName(plugin, "a".repeat(63) + "b");
  assert(other !== name);
  const enabled: DescribedTool[] = [
    { owner: plugin, spec: spec(action) },
    { owner: plugin, spec: spec("a".repeat(63) + "b") },
  ];
  assertEquals(parseToolName(name, enabled), { owner: plugin, name: action });
  assertEquals(parseToolName(other, enabled), { owner: plugin, name: "a".repeat(63) + "b" });
  assertEquals(parseToolName(name), null);
  // Deterministic.
  assertEquals(toolName(plugin, action), name);
});

Deno.test("toolName rejects invalid names", () => {
  assert.throws(() => toolName("Bad", "x"), /invalid plugin name/);
  assert.throws(() => toolName("ok", "has-dash"), /invalid action name/);
});

Deno.test("toOpenAITools builds function tools with schema and description", () => {
  const parameters = {
    type: "object",
    properties: { text: { type: "string" } },
    required: ["text"],
  };
  const tools = toOpenAITools([
    { owner: "probe", spec: spec("echo", parameters) },
    { owner: "web-search", spec: spec("query") },
  ]);
  assertEquals(tools, [
    {
      type: "function",
      function: { name: "probe__echo", description: "does echo", parameters },
    },
    {
      type: "function",
      function: {
        name: "webDsearch__query",
        description: "does query",
        parameters: { type: "object" },
      },
    },
  ]);
  // The schema is copied, not shared.
  assert(tools[0].function.parameters !== parameters);
});

Deno.test("toOpenAITools refuses the same action twice", () => {
  assert.throws(
    () =>
      toOpenAITools([
        { owner: "probe", spec: spec("echo") },
        { owner: "probe", spec: spec("echo") },
      ]),
    /probe\.echo and probe\.echo map to the same tool name "probe__echo"/,
  );
});
