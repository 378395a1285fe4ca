/**
 * What a server may do, as the terminal shows it before adding it and in `rungpt mcp list`:
 * its Deno permissions, the env names it may read (values never shown), its arguments; for a
 * remote server its origin and header names (values never shown); for an unsandboxed one, the
 * warning that it runs with the user's full rights.
 * @module
 */
import { escapeControls } from "../text/escape_controls.ts";
import { type McpServerConfig, sourceKind } from "./config.ts";

/** The warning every view of an unsandboxed server carries. */
export const UNSANDBOXED_WARNING =
  "Unsandboxed: this command runs with your full rights (every file, program and connection you can reach); rungpt limits only its time and output.";

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
  const kind = sourceKind(config);
  if (kind === "remote") {
    const headers = Object.keys(config.headers).map((name) => `${name} (value set, hidden)`);
    return [
      `  origin:  ${new URL(config.source).origin} (nothing else)`,
      `  headers: ${list(headers)}`,
    ];
  }
  const args = `  args:  ${
    config.args.length
      ? config.args.map((a) => JSON.stringify(escapeControls(a))).join(" ")
      : "none"
  }`;
  if (kind === "command") {
    return [`  WARNING: ${UNSANDBOXED_WARNING}`, `  env:   ${list(env)}`, args];
  }
  return [
    `  read:  ${list(p.read)}`,
    `  write: ${list(p.write)}`,
    `  net:   ${list(p.net)}`,
    `  env:   ${list(env)}`,
    args,
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
  const how = {
    npm: [
      "It runs under Deno with only these permissions (anything else it tries, Deno refuses):",
      ...describeGrants(config),
      "  never: running programs, FFI, system information",
    ],
    remote: ["It runs elsewhere; rungpt connects to it over HTTP:", ...describeGrants(config)],
    command: ["It runs on this machine as you, outside any sandbox:", ...describeGrants(config)],
  }[sourceKind(config)];
  return [
    `Add MCP server ${escapeControls(name)} from ${escapeControls(config.source)}.`,
    ...how,
    config.trustReadOnly
      ? "Its tools ask before every call, except those it says are read-only."
      : "Its tools ask before every call (until you choose Always allow).",
  ].join("\n");
}
