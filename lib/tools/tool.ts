/**
 * A tool: one thing the model can call, from any source (a wasm plugin's action, an MCP
 * server's tool), as the catalogue lists it.
 * @module
 */
import type { ToolAccess } from "./call.ts";

/** A tool as declared by its owner. */
export interface ToolSpec {
  /** The tool's name within its owner, e.g. `forecast`. */
  name: string;
  description: string;
  /** JSON Schema of its arguments (an object schema). */
  parameters: Record<string, unknown>;
  /** Whether it asks the user before every call. */
  confirm: boolean;
  /** The owner's claim that a call changes nothing (a hint, as MCP's `readOnlyHint`). */
  readOnly?: boolean;
}

/** Where a tool runs. */
export type ToolSourceKind = "plugin" | "mcp";

/** One tool the model may call. */
export interface Tool {
  /** Its owner: a plugin's or an MCP server's name (one namespace), e.g. `weather`. */
  owner: string;
  /** The owner's one-line description, shown above its tools. */
  ownerDescription?: string;
  spec: ToolSpec;
  /** What its owner may touch, shown when asking for approval. */
  access: ToolAccess;
  source: ToolSourceKind;
  /** How long one call may run, in milliseconds, when its source bounds it (shown on cards). */
  timeoutMs?: number;
}

/** What describing a tool to the model needs. */
export type DescribedTool = Pick<Tool, "owner" | "ownerDescription" | "spec">;

/**
 * The id of a tool, `<owner>.<name>`: what the model writes in tags, what cards show and what
 * "Always allow" remembers.
 *
 * @example
 * ```ts
 * toolId({ owner: "weather", spec: { name: "forecast" } }); // "weather.forecast"
 * ```
 */
export function toolId(tool: { owner: string; spec: { name: string } }): string {
  return `${tool.owner}.${tool.spec.name}`;
}

/**
 * A tool id split into owner and name at its first dot; `null` without one.
 *
 * @example
 * ```ts
 * splitToolId("weather.forecast"); // { owner: "weather", name: "forecast" }
 * ```
 */
export function splitToolId(id: string): { owner: string; name: string } | null {
  const dot = id.indexOf(".");
  return dot === -1 ? null : { owner: id.slice(0, dot), name: id.slice(dot + 1) };
}
