/**
 * `rungpt mcp …`: add, list, tools, remove, enable, disable. Errors print one line to stderr
 * and exit 2 (a usage error) or 1.
 *
 * Consent: `add` prints what the server may read, write, reach and which env it may read;
 * `--yes` agrees; otherwise a terminal is asked `Add? [y/N]`; without a terminal it refuses
 * and says to re-run with `--yes` (as `rungpt plugin install`).
 * @module
 */
import { resolve } from "node:path";
import { parseCommandArgs } from "../cli/args.ts";
import { RefusedError, UsageError } from "../errors.ts";
import { escapeControls } from "../text/escape_controls.ts";
import { readAnswer } from "../plugins/cli.ts";
import { ENV_NAME, parseServerConfig, readMcpConfig } from "./config.ts";
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
  list
  tools <name>
  remove <name> [--yes]
  enable <name>
  disable <name>
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
    "trust-read-only": { type: "boolean" },
    yes: { type: "boolean", short: "y" },
  });
  if (positionals.length !== 2) {
    throw new UsageError("usage: rungpt mcp add <name> npm:<package>[@version] [options]");
  }
  const [name, source] = positionals;
  const cwd = opts.cwd ?? Deno.cwd();
  const paths = (v?: string[]) => commaList(v).map((p) => resolve(cwd, p));
  const config = parseServerConfig({
    source,
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
    out(`${name}  ${escapeControls(s.source)}  ${s.enabled ? "enabled" : "disabled"}`);
    for (const line of describeGrants(s)) out(line);
  }
}

/** `tools`: starts the server on its own, lists its tools, stops it. */
async function tools(name: string, opts: McpCommandOptions, out: (l: string) => void) {
  const config = await serverConfig(opts.dataDir, name);
  const ctx = {
    denoPath: Deno.execPath(),
    serverDir: mcpServerDir(opts.dataDir, name),
    env: opts.env,
  };
  const server = new McpServer(name, config, ctx, DEFAULT_MCP_LIMITS);
  try {
    const list = await server.tools();
    out(`${name}: ${list.length} tool${list.length === 1 ? "" : "s"}`);
    for (const t of list) {
      const first = escapeControls(t.description.split("\n")[0] ?? "");
      out(`  ${name}.${t.name}${t.annotations.readOnlyHint ? " (says read-only)" : ""}  ${first}`);
    }
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

async function confirmed(opts: McpCommandOptions, yes: boolean, question: string) {
  if (yes) return true;
  if (!(opts.isTerminal ?? Deno.stdin.isTerminal())) {
    throw new RefusedError("not confirmed: no terminal to ask; re-run with --yes to confirm");
  }
  const answer = (await (opts.prompt ?? readAnswer)(question))?.trim().toLowerCase();
  return answer === "y" || answer === "yes";
}
