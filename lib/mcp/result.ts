/**
 * An MCP tool result as the text an action returns: text content joined, other content
 * described in a line, bounded like a plugin's output; an `isError` result is an error.
 * @module
 */

/** The parts of an MCP `CallToolResult` rungpt reads. */
export interface McpCallResult {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** A tool's error result, or output over the cap: the call's error. */
export class McpToolError extends Error {
  override name = "McpToolError";
}

/**
 * The text of a result; throws {@linkcode McpToolError} for an error result or output over
 * `maxBytes`.
 *
 * @example
 * ```ts
 * resultText({ content: [{ type: "text", text: "hi" }] }, 1024); // "hi"
 * ```
 */
export function resultText(result: McpCallResult, maxBytes: number): string {
  const parts = (result.content ?? []).map(describeContent);
  let text = parts.join("\n");
  if (parts.length === 0 && result.structuredContent !== undefined) {
    text = JSON.stringify(result.structuredContent);
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) {
    throw new McpToolError(`the tool's output is ${bytes} bytes, above the limit of ${maxBytes}`);
  }
  if (result.isError) throw new McpToolError(text || "the tool reported an error");
  return text;
}

function describeContent(item: unknown): string {
  if (typeof item !== "object" || item === null) return "[content of an unknown kind]";
  const c = item as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  switch (c.type) {
    case "text":
      return str(c.text);
    case "image":
    case "audio":
      return `[${c.type} ${str(c.mimeType) || "of unknown type"}, ${
        Math.floor((str(c.data).length * 3) / 4)
      } bytes, not shown]`;
    case "resource": {
      const r = (c.resource ?? {}) as Record<string, unknown>;
      return typeof r.text === "string" ? r.text : `[resource ${str(r.uri)}, not shown]`;
    }
    case "resource_link":
      return `[link ${str(c.name)} ${str(c.uri)}]`.replace(/\s+\]/, "]");
    default:
      return `[content of type ${str(c.type) || "unknown"}, not shown]`;
  }
}
