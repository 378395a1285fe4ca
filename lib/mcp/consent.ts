/**
 * What a server may do, as the terminal shows it before adding it and in `rungpt mcp list`:
 * its Deno permissions, the env names it may read (values never shown), its arguments.
 * @module
 */
import { escapeControls } from "../text/escape_controls.ts";
import type { McpServerConfig } from "./config.ts";

const list = (xs: readonly string[]) => xs.length ? xs.map(escapeControls).join(", ") : "none";

/**
 * The lines describing a server's grants.
 *
 * @example
 * ```ts
 * describeGrants(config); // ["  read:  none", "  write: /home/me/notes", ...]
 * ```
 */
export function describeGrants(config: McpServerConfig): string[] {
  const p = config.permissions;
  const env = [...new Set([...p.env, ...Object.keys(config.env)])].map((name) =>
    name in config.env ? `${name} (value set, hidden)` : name
  );
  return [
    `  read:  ${list(p.read)}`,
    `  write: ${list(p.write)}`,
    `  net:   ${list(p.net)}`,
    `  env:   ${list(env)}`,
    `  args:  ${
      config.args.length
        ? config.args.map((a) => JSON.stringify(escapeControls(a))).join(" ")
        : "none"
    }`,
  ];
}

/**
 * The consent text for adding `name`.
 *
 * @example
 * ```ts
 * console.log(formatAddSummary("memory", config));
 * ```
 */
export function formatAddSummary(name: string, config: McpServerConfig): string {
  return [
    `Add MCP server ${escapeControls(name)} from ${escapeControls(config.source)}.`,
    "It runs under Deno with only these permissions (anything else it tries, Deno refuses):",
    ...describeGrants(config),
    "  never: running programs, FFI, system information",
    config.trustReadOnly
      ? "Its tools ask before every call, except those it says are read-only."
      : "Its tools ask before every call (until you choose Always allow).",
  ].join("\n");
}
