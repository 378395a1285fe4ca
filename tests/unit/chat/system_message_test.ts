import type { DescribedTool } from "../../../lib/tools/tool.ts";
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { ActionSpec } from "../../../lib/plugins/manifest.ts";
import { buildActionSystemMessage, countTokens } from "../../../lib/chat/system_message.ts";
import { createTagParser, parseActionArgs } from "../../../lib/chat/tag_parser.ts";

const forecast: ActionSpec = {
  name: "forecast",
  description: "Daily weather forecast\n  for a city.",
  confirm: false,
  parameters: {
    type: "object",
    required: ["city"],
    properties: {
      city: { type: "string", description: "City name, e.g. Paris", minLength: 1 },
      days: {
        type: "integer",
        minimum: 1,
        maximum: 16,
        default: 3,
        description: "Days to forecast",
      },
      units: { type: "string", enum: ["metric", "imperial"] },
      tags: { type: "array", items: { type: "string" }, maxItems: 5 },
    },
  },
};
const now: ActionSpec = {
  name: "now",
  description: "The current time.",
  confirm: false,
  parameters: { type: "object", properties: {} },
};
const ACTIONS: DescribedTool[] = [
  { owner: "weather", spec: forecast, ownerDescription: "Forecasts from open-meteo." },
  { owner: "clock", spec: now },
];

Deno.test("no actions: no message", () => {
  assertEquals(buildActionSystemMessage([], "tags"), "");
  assertEquals(buildActionSystemMessage([], "native"), "");
});

Deno.test("tags mode explains the syntax and lists actions with compact parameters", () => {
  const m = buildActionSystemMessage(ACTIONS, "tags");
  assert(m.includes('<action name="PLUGIN.ACTION">{JSON arguments}</action>'));
  assert(m.includes("Never write or guess a result"));
  assert(m.includes("Call only the actions listed below"));
  assert(m.includes("JSON object"));
  assert(m.includes("Plugin weather: Forecasts from open-meteo."));
  assert(m.includes("- weather.forecast — Daily weather forecast for a city."), m);
  assert(m.includes("    city (required): string, non-empty — City name, e.g. Paris"), m);
  assert(m.includes("    days: integer, 1–16, default 3 — Days to forecast"), m);
  assert(m.includes('    units: "metric" | "imperial"'), m);
  assert(m.includes("    tags: array of string, ≤ 5 items"), m);
  assert(m.includes("- clock.now — The current time.\n    (no arguments)"), m);
  // The schema itself is not dumped.
  assert(!m.includes('"type"') && !m.includes('"properties"'), m);
});

Deno.test("the example call in the message is a valid call the parser understands", () => {
  const m = buildActionSystemMessage(ACTIONS, "tags");
  const example = m.split("\n").find((l) => l.startsWith('<action name="weather.'));
  assert(example, m);
  const p = createTagParser();
  const events = [...p.push(example), ...p.end()];
  assertEquals(events.length, 1);
  const [call] = events;
  assert(call.type === "action" && call.error === undefined);
  assertEquals(call.name, "weather.forecast");
  const args = parseActionArgs(call.argsText);
  assert(args.ok);
  assertEquals(Object.keys(args.value), ["city"]);
});

Deno.test("native mode is a short note without the action list", async () => {
  const m = buildActionSystemMessage(ACTIONS, "native");
  assert(m.includes("never invent"));
  assert(!m.includes("weather.forecast"));
  const tokens = await countTokens(m);
  assert(tokens < 80, `${tokens} tokens`);
});

Deno.test("token counts are positive and stable", async () => {
  const m = buildActionSystemMessage(ACTIONS, "tags");
  const n = await countTokens(m);
  assert(n > 50);
  assertEquals(await countTokens(m), n);
  assertEquals(await countTokens(""), 0);
  assertEquals(await countTokens("hello world"), 2);
  // Special-token text from a plugin is counted, not rejected.
  assert(await countTokens("<|endoftext|>") > 1);
});

Deno.test("ten actions stay lean", async () => {
  const many: DescribedTool[] = Array.from({ length: 10 }, (_, i) => ({
    owner: `plugin${i}`,
    ownerDescription: `Plugin number ${i}.`,
    spec: { ...forecast, name: `action${i}` },
  }));
  const m = buildActionSystemMessage(many, "tags");
  // Every action is listed once, each parameter on its own short line.
  for (let i = 0; i < 10; i++) assert(m.includes(`- plugin${i}.action${i} — `));
  assert(m.split("\n").every((line) => line.length <= 120), "long line");
  // Intro (~170 tokens) + under 85 tokens per action with four described parameters.
  const n = await countTokens(m);
  assert(n < 1020, `${n} tokens for 10 actions`);
});

Deno.test("long or hostile descriptions are flattened and capped", () => {
  const m = buildActionSystemMessage([{
    owner: "x",
    spec: { ...now, description: "line one\nline two " + "y".repeat(1000) },
  }], "tags");
  const line = m.split("\n").find((l) => l.startsWith("- x.now"))!;
  assert(line.includes("line one line two"));
  assert(line.length < 320, String(line.length));
  assert(line.endsWith("…"));
});
