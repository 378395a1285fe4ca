/**
 * The system message that tells the model which plugin actions it may call and how, and a
 * token counter to measure it.
 *
 * In tag mode the message explains the `<action name="…">{…}</action>` syntax and lists every
 * action with a compact summary of its parameters (name, type, required, allowed values,
 * bounds, default, description), derived from its JSON Schema rather than dumping the schema.
 * In native mode the tools carry their schemas, so the message is a short note.
 * @module
 */
import { type DescribedTool, toolId } from "../tools/tool.ts";
import type { Tiktoken } from "js-tiktoken/lite";

/** How actions are offered to the model. */
export type ActionMode = "tags" | "native";

type Schema = Record<string, unknown>;

const MAX_DESCRIPTION = 300;
const MAX_ENUM_VALUES = 12;
const MAX_NESTED_DEPTH = 2;

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One line, trimmed, capped: descriptions come from plugin authors. */
function oneLine(text: unknown, max = MAX_DESCRIPTION): string {
  if (typeof text !== "string") return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1).trimEnd() + "…" : flat;
}

function literal(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 59) + "…" : s;
}

function range(min: unknown, max: unknown, unit = ""): string {
  const lo = typeof min === "number" ? min : undefined;
  const hi = typeof max === "number" ? max : undefined;
  if (lo !== undefined && hi !== undefined) {
    return lo === hi ? `${lo}${unit}` : `${lo}–${hi}${unit}`;
  }
  if (lo !== undefined) return `≥ ${lo}${unit}`;
  if (hi !== undefined) return `≤ ${hi}${unit}`;
  return "";
}

/** A compact type summary of a schema, e.g. `integer, 1–16` or `"c" | "f"`. */
function typeSummary(schema: unknown, depth = 0): string {
  if (!isSchema(schema)) return "any";
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.slice(0, MAX_ENUM_VALUES).map(literal);
    if (schema.enum.length > MAX_ENUM_VALUES) values.push("…");
    return values.join(" | ");
  }
  if ("const" in schema) return `exactly ${literal(schema.const)}`;
  const alternatives = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
    ? schema.oneOf
    : undefined;
  if (alternatives) return alternatives.map((s) => typeSummary(s, depth)).join(" | ");
  const types = Array.isArray(schema.type)
    ? schema.type.filter((t): t is string => typeof t === "string")
    : typeof schema.type === "string"
    ? [schema.type]
    : [];
  const parts: string[] = [types.length ? types.join(" | ") : "any"];
  if (types.includes("array")) {
    parts[0] = types.map((t) =>
      t === "array" ? `array of ${typeSummary(schema.items, depth + 1)}` : t
    )
      .join(" | ");
    const n = range(schema.minItems, schema.maxItems, " items");
    if (n) parts.push(n);
  }
  if (types.includes("object") && isSchema(schema.properties) && depth < MAX_NESTED_DEPTH) {
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const fields = Object.entries(schema.properties).map(([key, sub]) =>
      `${key}${required.has(key) ? "" : "?"}: ${typeSummary(sub, depth + 1)}`
    );
    parts[0] = parts[0].replace("object", `object {${fields.join(", ")}}`);
  }
  if (types.includes("number") || types.includes("integer")) {
    const r = range(schema.minimum, schema.maximum);
    if (r) parts.push(r);
    if (typeof schema.exclusiveMinimum === "number") parts.push(`> ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === "number") parts.push(`< ${schema.exclusiveMaximum}`);
  }
  if (types.includes("string")) {
    const n = schema.minLength === 1 && schema.maxLength === undefined
      ? "non-empty"
      : range(schema.minLength, schema.maxLength, " chars");
    if (n) parts.push(n);
    if (typeof schema.format === "string") parts.push(`format ${schema.format}`);
    if (typeof schema.pattern === "string") parts.push(`pattern ${literal(schema.pattern)}`);
  }
  return parts.join(", ");
}

/** The parameter lines of one action (each indented), or a note when it takes none. */
function parameterLines(parameters: Schema): string[] {
  const props = isSchema(parameters.properties) ? parameters.properties : {};
  const required = new Set(Array.isArray(parameters.required) ? parameters.required : []);
  const lines = Object.entries(props).map(([key, sub]) => {
    let line = `    ${key}${required.has(key) ? " (required)" : ""}: ${typeSummary(sub)}`;
    if (isSchema(sub) && "default" in sub) line += `, default ${literal(sub.default)}`;
    const description = isSchema(sub) ? oneLine(sub.description, 200) : "";
    if (description) line += ` — ${description}`;
    return line;
  });
  return lines.length ? lines : ["    (no arguments)"];
}

/** A placeholder for a required argument in the example call. */
function exampleValue(schema: unknown): unknown {
  if (!isSchema(schema)) return "…";
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ("const" in schema) return schema.const;
  if ("default" in schema) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return {};
    case "null":
      return null;
    default:
      return "…";
  }
}

/** The example call: the first action with its required arguments filled in. */
function exampleCall(tool: DescribedTool): string {
  const { parameters } = tool.spec;
  const props = isSchema(parameters.properties) ? parameters.properties : {};
  const required = Array.isArray(parameters.required) ? parameters.required : [];
  const args: Record<string, unknown> = {};
  for (const key of required) {
    if (typeof key === "string") args[key] = exampleValue(props[key]);
  }
  return `<action name="${toolId(tool)}">${JSON.stringify(args)}</action>`;
}

/** The action list, grouped by plugin in the order given. */
function actionList(tools: readonly DescribedTool[]): string[] {
  const lines: string[] = [];
  let lastOwner: string | undefined;
  for (const t of tools) {
    if (t.owner !== lastOwner) {
      const about = oneLine(t.ownerDescription);
      lines.push(`Plugin ${t.owner}${about ? `: ${about}` : ""}`);
      lastOwner = t.owner;
    }
    lines.push(`- ${toolId(t)} — ${oneLine(t.spec.description)}`);
    lines.push(...parameterLines(t.spec.parameters));
  }
  return lines;
}

/**
 * The system message describing `actions`; `""` when there are none.
 *
 * @example
 * ```ts
 * const text = buildActionSystemMessage([{ owner: "weather", spec: forecast }], "tags");
 * // "You can call actions provided by plugins. …
 * //  - weather.forecast — Daily forecast for a city.
 * //      city (required): string — City name"
 * ```
 */
export function buildActionSystemMessage(
  actions: readonly DescribedTool[],
  mode: ActionMode,
): string {
  if (actions.length === 0) return "";
  if (mode === "native") {
    return [
      "You can call the tools provided by plugins; each tool describes its parameters.",
      "Call a tool only when it helps answer. Its result comes back in a following message:",
      "wait for it and never invent or guess a result. If a call fails, read the error and",
      "correct the call or explain the problem.",
    ].join(" ");
  }
  return [
    "You can call actions provided by plugins. To call one, write this tag in your reply:",
    '<action name="PLUGIN.ACTION">{JSON arguments}</action>',
    "For example:",
    exampleCall(actions[0]),
    "",
    "Rules:",
    "- Call only the actions listed below, by their exact name.",
    "- The body is one JSON object of arguments matching the action's parameters; {} when none.",
    "- After the closing tag, stop: the result comes back in a following message, then continue.",
    "  Never write or guess a result yourself.",
    "- You may call several actions in one reply; they run independently.",
    "- A tag inside a code block or `inline code` is only shown, not run.",
    "- If a call fails, read the error and correct the call or explain the problem.",
    "",
    "Actions:",
    ...actionList(actions),
  ].join("\n");
}

/**
 * The number of tokens of `text` in the o200k_base encoding (GPT-4o and later). Special-token
 * strings count as plain text.
 *
 * @example
 * ```ts
 * await countTokens("hello world"); // 2
 * ```
 */
export async function countTokens(text: string): Promise<number> {
  if (!text) return 0;
  // Text such as "<|endoftext|>" from a plugin description is counted as text, not rejected.
  return (await o200k()).encode(text, [], []).length;
}

let encoder: Promise<Tiktoken> | undefined;

/** The o200k_base encoder, built once on first use: its tables take a while to load. */
function o200k(): Promise<Tiktoken> {
  encoder ??= (async () => {
    const [{ Tiktoken }, { default: ranks }] = await Promise.all([
      import("js-tiktoken/lite"),
      import("js-tiktoken/ranks/o200k_base"),
    ]);
    return new Tiktoken(ranks);
  })();
  return encoder;
}
