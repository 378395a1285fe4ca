/**
 * The MCP servers the user added: `<data dir>/mcp.json`, written atomically with mode 0600
 * (it may hold env values such as API keys), validated with zod on read. Changes go through
 * {@linkcode updateMcpConfig}, one at a time per data dir.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { PLUGIN_NAME } from "../plugins/manifest.ts";
import { writeFileAtomic } from "../plugins/lockfile.ts";

/** The file name of the MCP config in the data dir. */
export const MCP_CONFIG_NAME = "mcp.json";

/** An npm source: `npm:<package>[@version]` (npm's package name rule; a plain version or range). */
export const NPM_SOURCE =
  /^npm:((?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]{0,213})(?:@([\w.^~*+<>=|-]{1,64}))?$/;
/** An environment variable name a server may read. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A host (and optional port) a server may reach, as Deno's `--allow-net` takes it. */
export const NET_HOST = /^(?:[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

const path = z.string().min(1).max(4096).refine((p) => p.startsWith("/"), "must be absolute")
  .refine((p) => !/[,\0]/.test(p), "must not contain a comma or NUL");

const permissionsSchema = z.object({
  read: z.array(path).max(64).default([]),
  write: z.array(path).max(64).default([]),
  net: z.array(z.string().regex(NET_HOST, "must be a host name or address, optionally :port"))
    .max(64).default([]),
  env: z.array(z.string().regex(ENV_NAME, "must be an environment variable name")).max(64)
    .default([]),
});

/** What a server may touch: Deno's `--allow-*` lists. Nothing else is granted. */
export type McpPermissions = z.infer<typeof permissionsSchema>;

const serverSchema = z.object({
  source: z.string().regex(NPM_SOURCE, "must be npm:<package>[@version]"),
  args: z.array(z.string().max(4096).refine((a) => !a.includes("\0"), "must not contain NUL"))
    .max(64).default([]),
  permissions: permissionsSchema.default({ read: [], write: [], net: [], env: [] }),
  /** Values of env vars passed to the server (each name is also in `permissions.env`). */
  env: z.record(z.string().regex(ENV_NAME), z.string().max(32_768)).default({}),
  enabled: z.boolean().default(true),
  /** Lets tools that say `readOnlyHint: true` (and not destructive) run without asking. */
  trustReadOnly: z.boolean().default(false),
});

/** One configured MCP server. */
export type McpServerConfig = z.infer<typeof serverSchema>;

const configSchema = z.object({
  version: z.literal(1),
  servers: z.record(
    z.string().regex(PLUGIN_NAME, `must match ${PLUGIN_NAME.source}`),
    serverSchema,
  ),
});

/** The whole MCP config. */
export type McpConfig = z.infer<typeof configSchema>;

/** A broken or invalid MCP config, or a change that cannot be made. */
export class McpConfigError extends Error {
  override name = "McpConfigError";
  /** The field that is wrong (e.g. `permissions.read.0`), when one is. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/** The path of the MCP config in `dataDir`. */
export function mcpConfigPath(dataDir: string): string {
  return join(dataDir, MCP_CONFIG_NAME);
}

/**
 * Checks one server's config and fills its defaults; throws {@linkcode McpConfigError} naming
 * the field that is wrong.
 *
 * @example
 * ```ts
 * parseServerConfig({ source: "npm:@modelcontextprotocol/server-memory" }).enabled; // true
 * ```
 */
export function parseServerConfig(input: unknown): McpServerConfig {
  const parsed = serverSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const field = i.path.join(".") || "server";
    throw new McpConfigError(`${field}: ${i.message}`, field);
  }
  return parsed.data;
}

/**
 * Reads the MCP config (empty when the file does not exist).
 *
 * @example
 * ```ts
 * const { servers } = await readMcpConfig(dataDir);
 * ```
 */
export async function readMcpConfig(dataDir: string): Promise<McpConfig> {
  const file = mcpConfigPath(dataDir);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { version: 1, servers: {} };
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new McpConfigError(
      `${file} is not valid JSON (${(e as Error).message}); fix or remove it`,
    );
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new McpConfigError(`${file}: ${i.path.join(".")}: ${i.message}; fix or remove it`);
  }
  return parsed.data;
}

// Changes to one file run one after another (the CLI and the plugins page both write), so two
// quick changes cannot lose each other (read-modify-write). Entries are dropped once idle.
const queues = new Map<string, Promise<unknown>>();

/**
 * Reads, changes and writes the MCP config; `change` may mutate the config in place or throw to
 * change nothing. Changes in this process run one at a time.
 *
 * @example
 * ```ts
 * await updateMcpConfig(dataDir, (c) => { c.servers.memory.enabled = false; });
 * ```
 */
export function updateMcpConfig(
  dataDir: string,
  change: (config: McpConfig) => void | Promise<void>,
): Promise<McpConfig> {
  const file = mcpConfigPath(dataDir);
  const run = (queues.get(file) ?? Promise.resolve()).catch(() => {})
    .then(() => applyChange(dataDir, change));
  queues.set(file, run);
  const cleanup = () => {
    if (queues.get(file) === run) queues.delete(file);
  };
  run.then(cleanup, cleanup);
  return run;
}

async function applyChange(
  dataDir: string,
  change: (config: McpConfig) => void | Promise<void>,
): Promise<McpConfig> {
  const config = await readMcpConfig(dataDir);
  await change(config);
  const checked = configSchema.parse(config);
  await Deno.mkdir(dataDir, { recursive: true });
  await writeFileAtomic(mcpConfigPath(dataDir), JSON.stringify(checked, null, 2) + "\n", 0o600);
  return checked;
}
