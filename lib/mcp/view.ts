/**
 * A configured server as the browser may see it: everything but secrets. Env and header
 * values stay on the server (only their names go out), and an unsandboxed server says so with
 * `unsandboxed: true` and a `warning` the page shows prominently.
 * @module
 */
import { type McpServerConfig, type SourceKind, sourceKind } from "./config.ts";
import { UNSANDBOXED_WARNING } from "./consent.ts";

/** The public view of one server's config. */
export interface McpServerView {
  name: string;
  source: string;
  kind: SourceKind;
  enabled: boolean;
  args: string[];
  permissions: McpServerConfig["permissions"];
  /** Env names it may read; `valueSet` when rungpt stores a value for it (never shown). */
  env: { name: string; valueSet: boolean }[];
  /** Names of the headers sent to a remote server (values never shown). */
  headers: string[];
  trustReadOnly: boolean;
  /** Present, and true, only for a server that runs outside the sandbox. */
  unsandboxed?: true;
  /** What the user must know before relying on it (set for unsandboxed servers). */
  warning?: string;
}

/**
 * The view of `config`, without env or header values.
 *
 * @example
 * ```ts
 * serverView("time", config).warning; // "Unsandboxed: this command runs with your full rights…"
 * ```
 */
export function serverView(name: string, config: McpServerConfig): McpServerView {
  const envNames = [...new Set([...config.permissions.env, ...Object.keys(config.env)])];
  const view: McpServerView = {
    name,
    source: config.source,
    kind: sourceKind(config),
    enabled: config.enabled,
    args: [...config.args],
    permissions: structuredClone(config.permissions),
    env: envNames.map((n) => ({ name: n, valueSet: n in config.env })),
    headers: Object.keys(config.headers),
    trustReadOnly: config.trustReadOnly,
  };
  if (config.unsandboxed) {
    view.unsandboxed = true;
    view.warning = UNSANDBOXED_WARNING;
  }
  return view;
}
