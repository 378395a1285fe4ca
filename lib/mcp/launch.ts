/**
 * The command that runs an npm MCP server in Deno's sandbox: the same Deno that runs rungpt,
 * `deno run --no-prompt` with only the permissions the user granted (never run, ffi, sys or
 * all), a clean environment and its own working folder.
 *
 * What Deno itself needs, and why nothing more is granted: loading `npm:` modules (downloading
 * into and reading from Deno's cache) is done by Deno, not by the server's code, so it needs no
 * `--allow-read`; Deno finds its cache through `DENO_DIR` or `HOME`/`XDG_CACHE_HOME` and reaches
 * the registry with the proxy and certificate variables below, so those are passed on (the
 * server cannot read them: `--allow-env` lists only the granted names). `--no-config` keeps a
 * `deno.json` above the folder from changing the run; `--node-modules-dir=none` keeps packages
 * in Deno's cache instead of a folder the server could write to.
 *
 * An `unsandboxed` server (any other command) is the user's own process with their full
 * rights: it is run as given, with the usual login variables (`PATH` to find it) and the
 * granted names, but not rungpt's whole environment (which may hold the provider key).
 * @module
 */
import { join } from "node:path";
import type { McpServerConfig } from "./config.ts";

/** The variables Deno itself uses to find its cache and reach the npm registry. */
export const DENO_RUNTIME_ENV: readonly string[] = [
  "HOME",
  "XDG_CACHE_HOME",
  "DENO_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "NPM_CONFIG_REGISTRY",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/** The variables an unsandboxed command gets besides the granted ones, as a login shell has. */
export const COMMAND_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "LANG",
  "TMPDIR",
  ...DENO_RUNTIME_ENV.slice(1),
];

/** A process to spawn. */
export interface LaunchCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Where a server runs: the Deno binary, its folder, and rungpt's environment. */
export interface LaunchContext {
  /** The Deno that runs rungpt (`Deno.execPath()`). */
  denoPath: string;
  /** The server's own folder (its working directory). */
  serverDir: string;
  /** rungpt's environment, for Deno's own variables and granted names without a value. */
  env: Record<string, string | undefined>;
}

/**
 * The server's folder under the data dir: `<data dir>/mcp/<name>`.
 *
 * @example
 * ```ts
 * mcpServerDir("/data", "memory"); // "/data/mcp/memory"
 * ```
 */
export function mcpServerDir(dataDir: string, name: string): string {
  return join(dataDir, "mcp", name);
}

/**
 * The Deno command line for `server`: the granted permissions as `--allow-*` flags, the
 * package, then its arguments.
 *
 * @example
 * ```ts
 * launchCommand(config, { denoPath: Deno.execPath(), serverDir, env: Deno.env.toObject() });
 * ```
 */
export function launchCommand(server: McpServerConfig, ctx: LaunchContext): LaunchCommand {
  const envNames = [...new Set([...server.permissions.env, ...Object.keys(server.env)])];
  if (server.unsandboxed) {
    return {
      command: server.source,
      args: [...server.args],
      env: serverEnv(server, [...COMMAND_ENV, ...envNames], ctx.env),
      cwd: ctx.serverDir,
    };
  }
  const p = server.permissions;
  const args = ["run", "--no-prompt", "--quiet", "--no-config", "--node-modules-dir=none"];
  if (p.read.length) args.push(`--allow-read=${p.read.join(",")}`);
  if (p.write.length) args.push(`--allow-write=${p.write.join(",")}`);
  if (p.net.length) args.push(`--allow-net=${p.net.join(",")}`);
  if (envNames.length) args.push(`--allow-env=${envNames.join(",")}`);
  args.push(server.source, ...server.args);
  return {
    command: ctx.denoPath,
    args,
    env: serverEnv(server, [...DENO_RUNTIME_ENV, ...envNames], ctx.env),
    cwd: ctx.serverDir,
  };
}

/** Each of `names`: its stored value, else rungpt's. */
function serverEnv(
  server: McpServerConfig,
  names: string[],
  parent: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = server.env[name] ?? parent[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
