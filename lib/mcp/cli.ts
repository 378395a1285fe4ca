/**
 * `rungpt mcp …`: add, list, tools, remove, enable, disable, allow, deny. Errors print one line
 * to stderr and exit 2 (a usage error) or 1.
 *
 * Consent: `add` prints what the server may read, write, reach and which env it may read (or,
 * for `--unsandboxed`, that it runs with the user's full rights); `--yes` agrees; otherwise a
 * terminal is asked `Add? [y/N]`; without a terminal it refuses and says to re-run with `--yes`
 * (as `rungpt plugin install`).
 *
 * `allow` is the terminal's "Always allow": it adds `<server>.<tool>` to the same settings list
 * the chat page's answers go to (Settings lists and revokes them); `deny` takes them back.
 * @module
 */
import { resolve } from "node:path";
import { parseCommandArgs } from "../cli/args.ts";
import { RefusedError, UsageError } from "../errors.ts";
import { escapeControls } from "../text/escape_controls.ts";
import { readAnswer } from "../plugins/cli.ts";
import { forgetPluginApprovals, updateSettings } from "../store/settings.ts";
import { ENV_NAME, HEADER_NAME, parseServerConfig, readMcpConfig } from "./config.ts";
import { describeGrants, formatAddSummary } from "./consent.ts";
import { mcpServerDir } from "./launch.ts";
import { DEFAULT_MCP_LIMITS } from "./limits.ts";
import { McpServer } from "./server.ts";
import {
  addServer,
  checkNameFree,
  removeServer,
  serverConfig,
  setServerEnabled,
} from "./servers.ts";

/** Options of {@linkcode runMcpCommand}. */
export interface McpCommandOptions {
  dataDir: string;
  /** Installed plugins: a server may not take a plugin's name. */
  pluginsDir: string;
  /** rungpt's environment (for `tools`: Deno's own variables). */
  env: Record<string, string | undefined>;
  /** Whether stdin is a terminal we may prompt on; default `Deno.stdin.isTerminal()`. */
  isTerminal?: boolean;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** Asks a question on the terminal; default `readAnswer`. */
  prompt?: (question: string) => Promise<string | null>;
  /** Forgets the "Always allow" answers for a server's tools when it is removed. */
  forgetApprovals?: (name: string) => Promise<void>;
  /** Resolves relative paths in `--allow-read`/`--allow-write`; default `Deno.cwd()`. */
  cwd?: string;
}

/** Usage text of `rungpt mcp`. */
export const MCP_USAGE = `usage: rungpt mcp <command>
  add <name> npm:<package>[@version] [--allow-read=P,…] [--allow-write=P,…]
      [--allow-net=H,…] [--allow-env=N,…] [--env NAME=VALUE]… [--trust-read-only]
      [--yes] [-- <server args>…]
  add <name> https://<host>/<path> [--header "Name: value"]… [--yes]
      (http:// only to this machine)
  add <name> <command> --unsandboxed [--allow-env=N,…] [--env NAME=VALUE]… [--yes]
      [-- <args>…]   (runs with your full rights)
  list
  tools <name>
  remove <name> [--yes]
  enable <name>
  disable <name>
  allow <name> <tool|*>   always allow a tool (* = every tool it has now)
  deny <name> <tool|*>    take that back
  serve          (rungpt's plugin actions as an MCP server over stdio)`;

/**
 * Runs `rungpt mcp <args>`; resolves to the exit code (0 ok, 2 a usage error, 1 any other error or refused).
 *
 * @example
 * ```ts
 * await runMcpCommand(["add", "memory", "npm:@modelcontextprotocol/server-memory", "--yes"], opts);
 * ```
 */
export async function runMcpCommand(args: string[], opts: McpCommandOptions): Promise<number> {
  const err = opts.stderr ?? ((l: string) => console.error(l));
  try {
    await dispatch(args, opts);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    err(`error: ${escapeControls(msg.replace(/\s*\n\s*/g, " "))}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

async function dispatch(args: string[], opts: McpCommandOptions): Promise<void> {
  const out = opts.stdout ?? ((l: string) => console.log(l));
  const [cmd, ...rest] = args;
  switch (cmd) {
    case "add":
      return await add(rest, opts, out);
    case "list":
      return await list(rest, opts, out);
    case "tools":
      return await tools(oneName(rest, "tools"), opts, out);
    case "remove":
      return await remove(rest, opts, out);
    case "enable":
    case "disable":
      return await setEnabled(oneName(rest, cmd), cmd === "enable", opts, out);
    case "allow":
      return await allow(rest, opts, out);
    case "deny":
      return await deny(rest, opts, out);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out(MCP_USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${cmd}"; see rungpt mcp --help`);
  }
}

/** `add`: checks the name, source and grants, asks, and saves. */
async function add(args: string[], opts: McpCommandOptions, out: (l: string) => void) {
  const dash = args.indexOf("--");
  const own = dash === -1 ? args : args.slice(0, dash);
  const serverArgs = dash === -1 ? [] : args.slice(dash + 1);
  const { values, positionals } = parseCommandArgs(own, {
    "allow-read": { type: "string", multiple: true },
    "allow-write": { type: "string", multiple: true },
    "allow-net": { type: "string", multiple: true },
    "allow-env": { type: "string", multiple: true },
    env: { type: "string", multiple: true },
    header: { type: "string", multiple: true },
    unsandboxed: { type: "boolean" },
    "trust-read-only": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
  });
  if (positionals.length !== 2) {
    throw new UsageError("usage: rungpt mcp add <name> <source> [options]; see rungpt mcp --help");
  }
  const [name, given] = positionals;
  const cwd = opts.cwd ?? Deno.cwd();
  const unsandboxed = values.unsandboxed === true;
  // A command given by a relative path is found from here, not from the server's folder.
  const source = unsandboxed && given.includes("/") ? resolve(cwd, given) : given;
  const paths = (v?: string[]) => commaList(v).map((p) => resolve(cwd, p));
  const config = parseServerConfig({
    source,
    unsandboxed,
    headers: headerValues(values.header),
    args: serverArgs,
    permissions: {
      read: paths(values["allow-read"]),
      write: paths(values["allow-write"]),
      net: commaList(values["allow-net"]),
      env: commaList(values["allow-env"]),
    },
    env: envValues(values.env),
    trustReadOnly: values["trust-read-only"] === true,
  });
  await checkNameFree(name, opts);
  out(formatAddSummary(name, config));
  if (!await confirmed(opts, values.yes === true, "Add? [y/N]")) {
    throw new RefusedError("not added");
  }
  await addServer(name, config, opts);
  out(`Added MCP server ${name}. See its tools with: rungpt mcp tools ${name}`);
}

async function list(args: string[], opts: McpCommandOptions, out: (l: string) => void) {
  if (args.length) throw new UsageError("usage: rungpt mcp list");
  const { servers } = await readMcpConfig(opts.dataDir);
  const names = Object.keys(servers).sort();
  if (!names.length) {
    out("No MCP servers. Add one with: rungpt mcp add <name> npm:<package> --allow-…");
    return;
  }
  for (const name of names) {
    const s = servers[name];
    const unsandboxed = s.unsandboxed ? "  UNSANDBOXED" : "";
    out(
      `${name}  ${escapeControls(s.source)}  ${s.enabled ? "enabled" : "disabled"}${unsandboxed}`,
    );
    for (const line of describeGrants(s)) out(line);
  }
}

/** `tools`: starts the server on its own, lists its tools, stops it. */
async function tools(name: string, opts: McpCommandOptions, out: (l: string) => void) {
  const list = await withServer(name, opts, (server) => server.tools());
  out(`${name}: ${list.length} tool${list.length === 1 ? "" : "s"}`);
  for (const t of list) {
    const first = escapeControls(t.description.split("\n")[0] ?? "");
    out(`  ${name}.${t.name}${t.annotations.readOnlyHint ? " (says read-only)" : ""}  ${first}`);
  }
}

/** `allow`: starts the server to learn its tools, then saves each `<server>.<tool>`. */
async function allow(args: string[], opts: McpCommandOptions, out: (l: string) => void) {
  const [name, tool] = toolArgs(args, "allow");
  const listed = await withServer(name, opts, (server) => server.tools());
  const chosen = tool === "*"
    ? listed
    : listed.filter((t) => t.name === tool || t.mcpName === tool);
  if (!chosen.length) {
    const names = listed.map((t) => t.name).join(", ") || "none";
    throw new UsageError(`MCP server "${name}" has no tool "${tool}"; its tools: ${names}`);
  }
  const ids = chosen.map((t) => `${name}.${t.name}`);
  await updateSettings(opts.dataDir, (s) => {
    const now = s.alwaysAllowed ?? [];
    const added = ids.filter((id) => !now.includes(id));
    return added.length ? { alwaysAllowed: [...now, ...added] } : null;
  });
  for (const id of ids) out(`Always allowed: ${id}`);
  if (tool === "*") {
    out("Tools the server adds later still ask; run this again to allow them too.");
  }
  out("Revoke in Settings, or with: rungpt mcp deny " + `${name} ${tool === "*" ? "'*'" : tool}`);
}

/** `deny`: removes `<server>.<tool>` (or every tool of the server) from "Always allow". */
async function deny(args: string[], opts: McpCommandOptions, out: (l: string) => void) {
  const [name, tool] = toolArgs(args, "deny");
  if (tool === "*") {
    await forgetPluginApprovals(opts.dataDir, name);
    out(`Every tool of ${name} asks before it runs again.`);
    return;
  }
  const id = `${name}.${tool}`;
  let found = false;
  await updateSettings(opts.dataDir, (s) => {
    const now = s.alwaysAllowed ?? [];
    found = now.includes(id);
    return found ? { alwaysAllowed: now.filter((x) => x !== id) } : null;
  });
  out(found ? `${id} asks before it runs again.` : `${id} was not always allowed.`);
}

function toolArgs(args: string[], cmd: string): [string, string] {
  if (args.length !== 2) throw new UsageError(`usage: rungpt mcp ${cmd} <name> <tool|*>`);
  return [args[0], args[1]];
}

/** Runs `use` with the configured server `name` started on its own, then stops it. */
async function withServer<T>(
  name: string,
  opts: McpCommandOptions,
  use: (server: McpServer) => Promise<T>,
): Promise<T> {
  const config = await serverConfig(opts.dataDir, name);
  const ctx = {
    denoPath: Deno.execPath(),
    serverDir: mcpServerDir(opts.dataDir, name),
    env: opts.env,
  };
  const server = new McpServer(name, config, ctx, DEFAULT_MCP_LIMITS);
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

async function remove(args: string[], opts: McpCommandOptions, out: (l: string) => void) {
  const { values, positionals } = parseCommandArgs(args, { yes: { type: "boolean", short: "y" } });
  const name = oneName(positionals, "remove");
  await serverConfig(opts.dataDir, name);
  out(`Remove MCP server ${name}: its config, its folder and its "Always allow" answers.`);
  if (!await confirmed(opts, values.yes === true, "Remove? [y/N]")) {
    throw new RefusedError("not removed");
  }
  await removeServer(opts.dataDir, name);
  await opts.forgetApprovals?.(name);
  out(`Removed MCP server ${name}.`);
}

async function setEnabled(
  name: string,
  enabled: boolean,
  opts: McpCommandOptions,
  out: (l: string) => void,
) {
  await setServerEnabled(opts.dataDir, name, enabled);
  out(`${enabled ? "Enabled" : "Disabled"} MCP server ${name}.`);
}

function oneName(pos: string[], cmd: string): string {
  if (pos.length !== 1) throw new UsageError(`usage: rungpt mcp ${cmd} <name>`);
  return pos[0];
}

/** `--x=a,b --x=c` → `["a", "b", "c"]`, without empty items. */
function commaList(values?: string[]): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** `--env NAME=VALUE`s as a record; a malformed one names itself. */
function envValues(values?: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    const name = eq === -1 ? v : v.slice(0, eq);
    if (eq === -1 || !ENV_NAME.test(name)) {
      throw new UsageError(
        `--env takes NAME=VALUE with a variable name, not "${escapeControls(name)}"`,
      );
    }
    env[name] = v.slice(eq + 1);
  }
  return env;
}

/** `--header "Name: value"`s as a record; a malformed one names itself (never its value). */
function headerValues(values?: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const v of values ?? []) {
    const colon = v.indexOf(":");
    const name = (colon === -1 ? v : v.slice(0, colon)).trim();
    if (colon === -1 || !HEADER_NAME.test(name)) {
      throw new UsageError(
        `--header takes "Name: value" with a header name, not "${escapeControls(name)}"`,
      );
    }
    headers[name] = v.slice(colon + 1).trim();
  }
  return headers;
}

async function confirmed(opts: McpCommandOptions, yes: boolean, question: string) {
  if (yes) return true;
  if (!(opts.isTerminal ?? Deno.stdin.isTerminal())) {
    throw new RefusedError("not confirmed: no terminal to ask; re-run with --yes to confirm");
  }
  const answer = (await (opts.prompt ?? readAnswer)(question))?.trim().toLowerCase();
  return answer === "y" || answer === "yes";
}
