/**
 * MCP tool names as action names. An action name follows the plugin identifier rule
 * (`[a-z][a-z0-9_]{0,63}`), which MCP names need not: camelCase becomes snake_case, any other
 * character becomes `_`. A name that is empty, too long or maps onto another tool's action name
 * is refused (the tool is left out and the log says why).
 * @module
 */
import { IDENTIFIER } from "../plugins/manifest.ts";

/**
 * The action name for an MCP tool name, or `null` when none fits.
 *
 * @example
 * ```ts
 * actionNameFor("longRunningOperation"); // "long_running_operation"
 * actionNameFor("read-file"); // "read_file"
 * ```
 */
export function actionNameFor(mcpName: string): string | null {
  if (mcpName.length === 0 || mcpName.length > 64) return null;
  const name = mcpName
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_");
  return IDENTIFIER.test(name) ? name : null;
}

/** Action names of a server's tools: action name → MCP name, and the refused names with why. */
export interface NameMapping {
  names: Map<string, string>;
  refused: { name: string; reason: string }[];
}

/**
 * Maps each MCP name to an action name; two names that map to one are both refused, so a call
 * never reaches the wrong tool.
 *
 * @example
 * ```ts
 * mapToolNames(["echo", "getTime"]).names; // Map { "echo" => "echo", "get_time" => "getTime" }
 * ```
 */
export function mapToolNames(mcpNames: readonly string[]): NameMapping {
  const byAction = new Map<string, string[]>();
  const refused: NameMapping["refused"] = [];
  for (const mcpName of mcpNames) {
    const action = actionNameFor(mcpName);
    if (action === null) {
      refused.push({
        name: mcpName,
        reason: `does not fit the action name rule ${IDENTIFIER.source}`,
      });
      continue;
    }
    byAction.set(action, [...(byAction.get(action) ?? []), mcpName]);
  }
  const names = new Map<string, string>();
  for (const [action, sources] of byAction) {
    if (sources.length === 1) names.set(action, sources[0]);
    else {for (const name of sources) {
        refused.push({ name, reason: `maps to "${action}" like another tool` });
      }}
  }
  return { names, refused };
}
