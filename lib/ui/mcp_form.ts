/**
 * The "Add an MCP server" form's text, turned into the API's input: lists one per line (or
 * comma-separated where an item cannot hold a comma), env values as `NAME=VALUE` lines, a
 * remote server's headers as `Name: value` lines. The
 * server checks everything else and names the field that is wrong; {@linkcode formField} maps
 * that name back to the form's field.
 * @module
 */
import type { McpServerInput } from "./mcp_api.ts";

/** The form's fields as typed. */
export interface McpFormFields {
  name: string;
  source: string;
  read: string;
  write: string;
  net: string;
  envNames: string;
  envValues: string;
  headers: string;
  args: string;
  trustReadOnly: boolean;
}

/** A field of the form. */
export type McpFormField = keyof McpFormFields;

/** A field the form itself finds wrong. */
export class McpFormError extends Error {
  override name = "McpFormError";
  constructor(message: string, readonly field: McpFormField) {
    super(message);
  }
}

/** An empty form. */
export const EMPTY_MCP_FORM: McpFormFields = {
  name: "",
  source: "",
  read: "",
  write: "",
  net: "",
  envNames: "",
  envValues: "",
  headers: "",
  args: "",
  trustReadOnly: false,
};

/** Non-empty trimmed lines. */
const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);
/** Items separated by newlines or commas (paths, hosts and names hold no comma). */
const items = (text: string) => lines(text.replaceAll(",", "\n"));

/**
 * The API input of the form; throws {@linkcode McpFormError} for an env value line without
 * `=` or a header line without `:`.
 *
 * @example
 * ```ts
 * formInput({ ...EMPTY_MCP_FORM, name: "memory", source: "npm:@modelcontextprotocol/server-memory",
 *   envValues: "MEMORY_FILE_PATH=/tmp/m/graph.jsonl" }).env; // { MEMORY_FILE_PATH: "/tmp/m/graph.jsonl" }
 * ```
 */
export function formInput(f: McpFormFields): McpServerInput {
  const env: Record<string, string> = {};
  for (const line of f.envValues.split("\n")) {
    if (!line.trim()) continue;
    const eq = line.indexOf("=");
    if (eq < 1) {
      throw new McpFormError(
        `Environment values: "${line.trim().slice(0, 40)}" is not NAME=VALUE`,
        "envValues",
      );
    }
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  const headers: Record<string, string> = {};
  for (const line of lines(f.headers)) {
    const colon = line.indexOf(":");
    if (colon < 1) {
      throw new McpFormError(`Headers: "${line.slice(0, 40)}" is not Name: value`, "headers");
    }
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return {
    name: f.name.trim(),
    source: f.source.trim(),
    args: lines(f.args),
    permissions: {
      read: items(f.read),
      write: items(f.write),
      net: items(f.net),
      env: items(f.envNames),
    },
    env,
    headers,
    trustReadOnly: f.trustReadOnly,
  };
}

/**
 * The form field an API error's field name (e.g. `permissions.read.0`, `env.KEY`) is about,
 * or `null`.
 *
 * @example
 * ```ts
 * formField("permissions.write.1"); // "write"
 * ```
 */
export function formField(apiField: string | null): McpFormField | null {
  if (!apiField) return null;
  const [head, sub] = apiField.split(".");
  if (head === "permissions") {
    return sub === "env"
      ? "envNames"
      : sub === "read" || sub === "write" || sub === "net"
      ? sub
      : null;
  }
  const top: Record<string, McpFormField> = {
    name: "name",
    source: "source",
    args: "args",
    env: "envValues",
    headers: "headers",
    trustReadOnly: "trustReadOnly",
  };
  return top[head] ?? null;
}
