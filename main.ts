/**
 * The `rungpt` command: starts the local server, prints the access token, or manages
 * plugins. `deno task start` runs it; extra arguments pass through.
 * @module
 */
import denoConfig from "./deno.json" with { type: "json" };
import { parseCommandArgs } from "./lib/cli/args.ts";
import { UsageError, UserError } from "./lib/errors.ts";
import { DataDirError, defaultDataDir, defaultPluginsDir } from "./lib/store/paths.ts";
import { loadOrCreateApiToken } from "./lib/store/token.ts";
import type { RunningServer } from "./lib/web/server.ts";

/** rungpt's version, from deno.json. */
export const VERSION: string = denoConfig.version;

/** The default data dir for the help text, which must print even when none can be found. */
function shownDataDir(): string {
  try {
    return defaultDataDir();
  } catch (e) {
    if (e instanceof DataDirError) return "none: HOME is not set";
    throw e;
  }
}

const HELP = `rungpt ${VERSION} — a local chat app for GPT and OpenAI-compatible models,
with plugins that run as sandboxed WebAssembly.

Usage:
  rungpt [serve] [--port 8000] [--host 127.0.0.1] [--open]
  rungpt token                 print the access token for the /v1 API (and remote logins)
  rungpt plugin <command>      manage plugins: install, update, remove, list, info, enable,
                               disable, config; write them: new, build, check, run
                               ("rungpt plugin --help" for details)
  rungpt mcp <command>         MCP servers (npm ones run under Deno with only the permissions
                               you grant; remote; unsandboxed commands): add, list, tools,
                               remove, enable, disable, allow, deny
                               ("rungpt mcp --help" for details)
  rungpt mcp serve             offer the plugins' actions to an MCP client over stdio
  rungpt --help | --version

Options:
  -p, --port <n>     port to listen on (default 8000; 0 picks a free one)
      --host <addr>  address to bind (default 127.0.0.1). Any other than loopback
                     requires the access token in the browser too.
      --open         open the browser once the server is up

Environment (all optional):
  OPENAI_API_KEY, OPENAI_BASE_URL   the provider (or set them on the Settings page)
  RUNGPT_MODEL                      default model
  RUNGPT_DATA_DIR                   database and settings (default ${shownDataDir()})
  RUNGPT_PLUGINS_DIR                installed plugins (default plugins_store/ beside main.ts)
  RUNGPT_API_TOKEN                  access token (default: generated once into the data dir)
  RUNGPT_ALLOWED_HOSTS              extra Host names to accept, comma-separated
  RUNGPT_CORS_ORIGINS               web origins whose pages may call /v1 (CORS), comma-separated
`;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${text}"`);
  }
  return port;
}

async function serve(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    port: { type: "string", short: "p", default: "8000" },
    host: { type: "string", default: "127.0.0.1" },
    open: { type: "boolean", default: false },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = parsePort(values.port);
  // Loaded here so that --help, --version and token do not load the whole app.
  const { startServer } = await import("./lib/web/server.ts");
  const server: RunningServer = await startServer({
    port,
    hostname: values.host,
    dataDir: defaultDataDir(env),
    pluginsDir: pluginsDirOf(env),
    env,
    version: VERSION,
    dev: env.RUNGPT_DEV === "1",
  });
  await server.ready.catch(() => {});
  console.log(`rungpt ${VERSION} is running at ${server.loginUrl}`);
  for (const link of server.externalLoginUrls) console.log(`  From other machines: ${link}`);
  if (server.loginUrl !== server.url) {
    const which = server.externalLoginUrls.length ? "these links log" : "the link above logs";
    console.log(`  The server is reachable beyond this machine: ${which} a browser in.`);
  }
  try {
    const settings = await server.services.publicSettings();
    if (!settings.apiKeySet && !settings.baseURL) {
      console.log("  No API key yet: open the page and add one in Settings.");
    }
  } catch (e) {
    console.error(`  Warning: ${(e as Error).message}`);
  }
  console.log("  Press Ctrl+C to stop.");
  if (values.open) openBrowser(server.loginUrl);
  const stop = async () => {
    console.log("\nStopping…");
    await server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  return await new Promise<number>(() => {});
}

function openBrowser(url: string): void {
  const [cmd, ...args] = Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["explorer", url]
    : ["xdg-open", url];
  try {
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).spawn().status.catch(() => {});
  } catch {
    console.log(`  (Could not open a browser; open ${url} yourself.)`);
  }
}

/** Where rungpt's own files are: the default plugins dir sits here, wherever it is run from. */
const ROOT = new URL(".", import.meta.url).pathname;

/** `RUNGPT_PLUGINS_DIR` (relative to where the user is), else plugins_store/ beside main.ts. */
function pluginsDirOf(env: Record<string, string | undefined>): string {
  return env.RUNGPT_PLUGINS_DIR?.trim() ? defaultPluginsDir(env) : defaultPluginsDir({}, ROOT);
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  // `deno task` runs in the folder of deno.json; paths the user types are relative to where
  // they typed them.
  if (env.INIT_CWD) Deno.chdir(env.INIT_CWD);
  const [command, ...rest] = args;
  try {
    if (command === "--help" || command === "-h" || command === "help") {
      console.log(HELP);
      return 0;
    }
    if (command === "--version" || command === "-V") {
      console.log(`rungpt ${VERSION}`);
      return 0;
    }
    if (command === "token") {
      if (rest.length) throw new UsageError(`"token" takes no arguments`);
      console.log(await loadOrCreateApiToken(defaultDataDir(env), env));
      return 0;
    }
    if (command === "plugin") {
      const { CANCELLABLE_COMMANDS, runPluginCommand } = await import("./lib/plugins/cli.ts");
      // Ctrl+C or SIGTERM during an install or update: stop it, so its clone is deleted.
      // Other commands keep the default (the process ends): a listener would swallow them.
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      const signals: Deno.Signal[] = !CANCELLABLE_COMMANDS.includes(rest[0])
        ? []
        : Deno.build.os === "windows"
        ? ["SIGINT"]
        : ["SIGINT", "SIGTERM"];
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        return await runPluginCommand(rest, {
          pluginsDir: pluginsDirOf(env),
          dataDir: () => defaultDataDir(env),
          forgetApprovals: async (name) => {
            const { forgetPluginApprovals } = await import("./lib/store/settings.ts");
            await forgetPluginApprovals(defaultDataDir(env), name);
          },
          env,
          isTerminal: Deno.stdin.isTerminal(),
          signal: interrupt.signal,
        });
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
      }
    }
    if (command === "mcp" && rest[0] === "serve") {
      if (rest.length > 1) throw new UsageError(`"mcp serve" takes no arguments`);
      const { serveStdio } = await import("./lib/mcp_serve/stdio.ts");
      await serveStdio({
        pluginsDir: pluginsDirOf(env),
        dataDir: defaultDataDir(env),
        env,
        version: VERSION,
      });
      return 0;
    }
    if (command === "mcp") {
      const { runMcpCommand } = await import("./lib/mcp/cli.ts");
      return await runMcpCommand(rest, {
        dataDir: defaultDataDir(env),
        pluginsDir: pluginsDirOf(env),
        env,
        forgetApprovals: async (name) => {
          const { forgetPluginApprovals } = await import("./lib/store/settings.ts");
          await forgetPluginApprovals(defaultDataDir(env), name);
        },
      });
    }
    if (command === undefined || command === "serve") return await serve(rest, env);
    if (command.startsWith("-")) return await serve(args, env);
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`rungpt: ${e.message}. Run "rungpt --help" for usage.`);
      return 2;
    }
    // Known failures (a port in use, a bad token or settings file) are one line, not a trace.
    if (e instanceof UserError) {
      console.error(`rungpt: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
