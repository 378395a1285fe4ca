/**
 * The MCP servers the user added: `<data dir>/mcp.json`, written atomically with mode 0600
 * (it may hold env values and headers such as API keys), validated with zod on read. Changes go
 * through {@linkcode updateMcpConfig}, one at a time per data dir.
 *
 * A server's source is one of three kinds (see {@linkcode sourceKind}): an npm package run in
 * Deno's sandbox, a remote `https://` URL (`http://` to loopback only), or any other command,
 * accepted only when the user said `unsandboxed`.
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

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

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

const noNul = (s: string) => !s.includes("\0");

const serverFields = z.object({
  source: z.string().min(1).max(4096).refine(noNul, "must not contain NUL"),
  /** Any other command: runs with the user's full rights, so only when they said so. */
  unsandboxed: z.boolean().default(false),
  /** Headers sent to a remote server (e.g. `Authorization`); values are secrets, never shown. */
  headers: z.record(
    z.string().regex(HEADER_NAME, "must be an HTTP header name"),
    z.string().max(8192).refine((v) => !/[\r\n\0]/.test(v), "must be one line"),
  ).default({}),
  args: z.array(z.string().max(4096).refine(noNul, "must not contain NUL")).max(64).default([]),
  permissions: permissionsSchema.default({ read: [], write: [], net: [], env: [] }),
  /** Values of env vars passed to the server (each name is also in `permissions.env`). */
  env: z.record(z.string().regex(ENV_NAME), z.string().max(32_768)).default({}),
  enabled: z.boolean().default(true),
  /** Lets tools that say `readOnlyHint: true` (and not destructive) run without asking. */
  trustReadOnly: z.boolean().default(false),
});

const serverSchema = serverFields.superRefine(checkSourceKind);

/** One configured MCP server. */
export type McpServerConfig = z.infer<typeof serverSchema>;

/** How a server runs: sandboxed under Deno, reached over HTTP, or as the user's own process. */
export type SourceKind = "npm" | "remote" | "command";

/**
 * The kind of a server's source.
 *
 * @example
 * ```ts
 * sourceKind({ source: "https://mcp.example.com/mcp", unsandboxed: false }); // "remote"
 * ```
 */
export function sourceKind(config: Pick<McpServerConfig, "source" | "unsandboxed">): SourceKind {
  if (config.unsandboxed) return "command";
  return /^https?:\/\//i.test(config.source) ? "remote" : "npm";
}

/** Host names that are this machine: the only ones plain `http://` may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Whether a remote source is a URL rungpt may connect to; the reason when not. */
function remoteProblem(source: string): string | null {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return "is not a valid URL";
  }
  if (url.username || url.password) return "must not hold a user name or password; use --header";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return null;
  return "must be https://, or http:// to this machine (localhost, 127.0.0.1, ::1)";
}

/** The rules each kind adds: what its source looks like and which options mean something. */
function checkSourceKind(s: z.infer<typeof serverFields>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: "custom", path: [path], message });
  const p = s.permissions;
  const granted = p.read.length + p.write.length + p.net.length > 0;
  const kind = sourceKind(s);
  if (Object.keys(s.headers).length && kind !== "remote") {
    issue("headers", "are sent to remote (https://) servers only");
  }
  if (kind === "npm" && !NPM_SOURCE.test(s.source)) {
    issue(
      "source",
      "must be npm:<package>[@version] or an https:// URL; any other command runs with your full rights and needs --unsandboxed",
    );
  }
  if (kind === "remote") {
    const problem = remoteProblem(s.source);
    if (problem) issue("source", problem);
    if (granted || p.env.length || Object.keys(s.env).length || s.args.length) {
      issue(
        "source",
        "a remote server runs elsewhere: --allow-*, --env and arguments do not apply",
      );
    }
  }
  if (kind === "command") {
    if (NPM_SOURCE.test(s.source) || /^https?:\/\//i.test(s.source)) {
      issue("unsandboxed", "is for commands; npm and https:// sources never need it");
    } else if (granted) {
      issue(
        "unsandboxed",
        "runs with your full rights: --allow-read, --allow-write and --allow-net do not apply",
      );
    }
  }
}

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
