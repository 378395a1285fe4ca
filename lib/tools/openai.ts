/**
 * Native tool calling: plugin actions as OpenAI function tools, and the exact, reversible
 * mapping between `<plugin>.<action>` and function names.
 *
 * Function names must match `^[a-zA-Z0-9_-]{1,64}$`. Plugin names are lowercase
 * `[a-z0-9_-]`, action names lowercase `[a-z0-9_]` starting with a letter, so uppercase letters
 * are free to use as escapes. The name is `<encoded plugin>__<action>`, where the plugin is
 * encoded so that it never contains `__` and never ends with `_`; the first `__` is therefore
 * always the separator:
 * - `-` becomes `D` (`web-search` → `webDsearch`);
 * - a `_` followed by another `_` or at the end becomes `U` (`a__b` → `aU_b`, `a_` → `aU`);
 * - everything else is kept (`probe` → `probe`, `my_tool` → `my_tool`).
 *
 * So `probe.echo` → `probe__echo`, `web-search.query` → `webDsearch__query`, `a_.b` → `aU__b`,
 * and `a.b__c` → `a__b__c` stays distinct from `a__b.c` → `aU_b__c` (a naive `plugin__action`
 * would map both to `a__b__c`).
 *
 * A name longer than 64 characters (plugin up to 40 + action up to 64) is cut to 55 characters
 * followed by `Z` and an 8-digit hash of the id; such names are resolved by lookup in the list
 * of enabled actions (see {@linkcode parseToolName}).
 * @module
 */
import type {
  ChatCompletionFunctionTool,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { IDENTIFIER, PLUGIN_NAME } from "../plugins/manifest.ts";
import { type DescribedTool, toolId } from "./tool.ts";

/** What OpenAI accepts as a function name. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const MAX_TOOL_NAME = 64;
const SHORT_PREFIX = 55; // + "Z" + 8 hex digits = 64

/** A tool id, split. */
export interface ToolRef {
  owner: string;
  name: string;
}

function encodePlugin(plugin: string): string {
  let out = "";
  for (let i = 0; i < plugin.length; i++) {
    const c = plugin[i];
    if (c === "-") out += "D";
    else if (c === "_" && (i === plugin.length - 1 || plugin[i + 1] === "_")) out += "U";
    else out += c;
  }
  return out;
}

/** FNV-1a, 32 bits, as 8 hex digits: short, sync and stable. */
function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The function name of an action. Throws when `plugin` or `action` is not a valid name.
 *
 * @example
 * ```ts
 * toolName("probe", "echo"); // "probe__echo"
 * toolName("web-search", "query"); // "webDsearch__query"
 * ```
 */
export function toolName(plugin: string, action: string): string {
  if (!PLUGIN_NAME.test(plugin)) throw new Error(`invalid plugin name "${plugin}"`);
  if (!IDENTIFIER.test(action)) throw new Error(`invalid action name "${action}"`);
  const full = `${encodePlugin(plugin)}__${action}`;
  if (full.length <= MAX_TOOL_NAME) return full;
  return `${full.slice(0, SHORT_PREFIX)}Z${hash8(`${plugin}.${action}`)}`;
}

/**
 * The action a function name stands for, or `null` when it is not one `toolName` produces.
 * Shortened names (over 64 characters before shortening) are found only in `actions`.
 *
 * @example
 * ```ts
 * parseToolName("webDsearch__query"); // { owner: "web-search", name: "query" }
 * parseToolName("nope"); // null
 * ```
 */
export function parseToolName(
  name: string,
  tools: readonly DescribedTool[] = [],
): ToolRef | null {
  if (!TOOL_NAME.test(name)) return null;
  if (name.includes("Z")) {
    const found = tools.find((t) => toolName(t.owner, t.spec.name) === name);
    return found ? { owner: found.owner, name: found.spec.name } : null;
  }
  const sep = name.indexOf("__");
  if (sep < 1) return null;
  const plugin = name.slice(0, sep).replaceAll("D", "-").replaceAll("U", "_");
  const action = name.slice(sep + 2);
  if (!PLUGIN_NAME.test(plugin) || !IDENTIFIER.test(action)) return null;
  // Only canonical names map back, so the mapping is exact in both directions.
  return toolName(plugin, action) === name ? { owner: plugin, name: action } : null;
}

/**
 * Tools as OpenAI function tools. Throws if two would share a name (the same tool listed
 * twice).
 *
 * @example
 * ```ts
 * const tools = toOpenAITools([{ owner: "probe", spec: echoSpec }]);
 * // [{ type: "function", function: { name: "probe__echo", description, parameters } }]
 * ```
 */
export function toOpenAITools(tools: readonly DescribedTool[]): ChatCompletionFunctionTool[] {
  const seen = new Map<string, string>();
  return tools.map((tool) => {
    const { spec } = tool;
    const name = toolName(tool.owner, spec.name);
    const id = toolId(tool);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new Error(`actions ${other} and ${id} map to the same tool name "${name}"`);
    }
    seen.set(name, id);
    return {
      type: "function",
      function: {
        name,
        description: spec.description,
        parameters: { ...spec.parameters },
      },
    } satisfies ChatCompletionTool;
  });
}
