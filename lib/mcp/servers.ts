/**
 * The changes a user makes to their MCP servers, shared by `rungpt mcp` and the plugins page:
 * add (with the one-namespace rule: a server may not take a plugin's name), enable or disable,
 * remove. Each is one step in the config's queue of changes.
 * @module
 */
import { readLockfile } from "../plugins/lockfile.ts";
import { PLUGIN_NAME } from "../plugins/manifest.ts";
import { type McpServerConfig, readMcpConfig, updateMcpConfig } from "./config.ts";
import { mcpServerDir } from "./launch.ts";

/** Why a change was refused: a bad name, a name taken, or no such server. */
export type McpChangeFailure = "invalid" | "taken" | "not_found";

/** A change that cannot be made; the message says what to do instead. */
export class McpChangeError extends Error {
  override name = "McpChangeError";
  constructor(message: string, readonly failure: McpChangeFailure) {
    super(message);
  }
}

/** Where a rungpt keeps its MCP config and its plugins. */
export interface McpDirs {
  dataDir: string;
  pluginsDir: string;
}

/**
 * Throws {@linkcode McpChangeError} unless `name` fits the plugin name rule, is not reserved,
 * and no server and no installed plugin has it (one namespace).
 *
 * @example
 * ```ts
 * await checkNameFree("memory", { dataDir, pluginsDir });
 * ```
 */
export async function checkNameFree(name: string, dirs: McpDirs): Promise<void> {
  if (name === "rungpt" || name === "extism") {
    throw new McpChangeError(
      `"${name}" is reserved for rungpt itself; pick another name`,
      "invalid",
    );
  }
  if (!PLUGIN_NAME.test(name)) {
    throw new McpChangeError(
      `"${name}" is not a valid name: use 1 to 40 of a-z, 0-9, _ and -, starting with a letter`,
      "invalid",
    );
  }
  const { servers } = await readMcpConfig(dirs.dataDir);
  if (servers[name]) {
    throw new McpChangeError(
      `an MCP server named "${name}" exists; remove it first or pick another name`,
      "taken",
    );
  }
  const lock = await readLockfile(dirs.pluginsDir);
  if (lock.plugins[name]) {
    throw new McpChangeError(
      `a plugin named "${name}" is installed; MCP servers and plugins share names, pick another`,
      "taken",
    );
  }
}

/**
 * Saves a new server (its config already checked with `parseServerConfig`).
 *
 * @example
 * ```ts
 * await addServer("memory", parseServerConfig({ source: "npm:@modelcontextprotocol/server-memory" }), dirs);
 * ```
 */
export async function addServer(
  name: string,
  config: McpServerConfig,
  dirs: McpDirs,
): Promise<void> {
  await checkNameFree(name, dirs);
  await updateMcpConfig(dirs.dataDir, (c) => {
    if (c.servers[name]) {
      throw new McpChangeError(`an MCP server named "${name}" was added meanwhile`, "taken");
    }
    c.servers[name] = config;
  });
}

/**
 * The config of server `name`; throws {@linkcode McpChangeError} when there is none.
 *
 * @example
 * ```ts
 * const config = await serverConfig(dataDir, "memory");
 * ```
 */
export async function serverConfig(dataDir: string, name: string): Promise<McpServerConfig> {
  const config = (await readMcpConfig(dataDir)).servers[name];
  if (!config) {
    throw new McpChangeError(`no MCP server named "${name}"; see rungpt mcp list`, "not_found");
  }
  return config;
}

/**
 * Enables or disables server `name`.
 *
 * @example
 * ```ts
 * await setServerEnabled(dataDir, "memory", false);
 * ```
 */
export async function setServerEnabled(
  dataDir: string,
  name: string,
  enabled: boolean,
): Promise<void> {
  await updateMcpConfig(dataDir, (c) => {
    const config = c.servers[name];
    if (!config) {
      throw new McpChangeError(`no MCP server named "${name}"; see rungpt mcp list`, "not_found");
    }
    config.enabled = enabled;
  });
}

/**
 * Removes server `name`: its config and its folder. (Its "Always allow" answers are the
 * caller's to forget, from the settings.)
 *
 * @example
 * ```ts
 * await removeServer(dataDir, "memory");
 * ```
 */
export async function removeServer(dataDir: string, name: string): Promise<void> {
  await updateMcpConfig(dataDir, (c) => {
    if (!c.servers[name]) {
      throw new McpChangeError(`no MCP server named "${name}"; see rungpt mcp list`, "not_found");
    }
    delete c.servers[name];
  });
  await Deno.remove(mcpServerDir(dataDir, name), { recursive: true }).catch(() => {});
}
