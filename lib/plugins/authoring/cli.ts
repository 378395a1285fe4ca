/**
 * The authoring subcommands of `rungpt plugin`: `new`, `build`, `run`, `check`. Called by
 * `runPluginCommand` (../cli.ts), which prints errors as one line and exits 2 (a usage error)
 * or 1.
 * @module
 */
import { buildPlugin } from "./build.ts";
import { checkPlugin } from "./check.ts";
import { runPluginAction } from "./run.ts";
import { newPlugin } from "./scaffold.ts";
import type { ModuleValidator } from "../install.ts";
import { MANIFEST_FILE } from "../manifest.ts";
import type { RepoLimits } from "../repo_limits.ts";
import { escapeControls } from "../../text/escape_controls.ts";
import { parseCommandArgs } from "../../cli/args.ts";
import { UsageError } from "../../errors.ts";

/** The authoring commands, for the usage text. */
export const AUTHORING_USAGE =
  `  new <name> [--dir <dir>]      create a plugin repository (AssemblyScript)
  build [<dir>]                 compile <dir>/assembly/index.ts into the manifest's wasm
  check [<dir>]                 validate manifest and module as install would
  run <dir> <action> [<json>] [--config key=value ...] [--data-dir <data>]
      [--allow-host host[:port] ...] [--allow-private-network]
                                run one action in the sandbox, without a model;
                                --data-dir keeps its files and state, in
                                <data>/plugins/<name>/ (default: a temporary dir);
                                --allow-host (for tests) lets rungpt:net reach a host
                                rungpt.yaml does not list, e.g. a local test server`;

/** The subcommands handled here. */
export const AUTHORING_COMMANDS: readonly string[] = ["new", "build", "check", "run"];

/** `--config key=value` options as a record; a malformed one names itself. */
function configPairs(pairs: string[] = []): Record<string, string> {
  const config: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--config expects key=value, got "${pair}"`);
    config[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return config;
}

function atMost(pos: string[], n: number, usage: string): void {
  if (pos.length > n) throw new UsageError(`usage: rungpt plugin ${usage}`);
}

/**
 * Runs authoring command `cmd` with `args`; writes results with `out`, progress with `err`.
 *
 * @example
 * ```ts
 * await runAuthoringCommand("run", ["./hello", "greet", '{"name":"Ada"}'], console.log, console.error);
 * ```
 */
export async function runAuthoringCommand(
  cmd: string,
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  opts: { validateModule?: ModuleValidator; repoLimits?: Partial<RepoLimits> } = {},
): Promise<void> {
  switch (cmd) {
    case "new": {
      const { values, positionals: pos } = parseCommandArgs(args, { dir: { type: "string" } });
      if (pos.length !== 1) {
        throw new UsageError("usage: rungpt plugin new <name> [--dir <dir>]");
      }
      const r = await newPlugin(pos[0], { dir: values.dir });
      out(`created ${r.dir} (${r.files.length} files)`);
      out(
        `next: rungpt plugin build ${r.dir} && rungpt plugin run ${r.dir} greet '{"name":"Ada"}'`,
      );
      return;
    }
    case "build": {
      const pos = parseCommandArgs(args, {}).positionals;
      atMost(pos, 1, "build [<dir>]");
      err(`… compiling ${pos[0] ?? "."}`);
      const r = await buildPlugin(pos[0] ?? ".");
      out(`built ${r.wasmPath} (${r.wasm.length} bytes)`);
      return;
    }
    case "check": {
      const pos = parseCommandArgs(args, {}).positionals;
      atMost(pos, 1, "check [<dir>]");
      const r = await checkPlugin(pos[0] ?? ".", opts);
      const m = r.manifest;
      out(`ok: ${m.name} ${m.version} would install`);
      out(`  module:  ${m.wasm} (${r.wasmSize} bytes, sha256 ${r.wasmSha256})`);
      out(`  APIs:    ${m.apis.join(", ") || "none"}`);
      out(`  hosts:   ${m.permissions.net?.hosts.join(", ") || "none"}`);
      out(`  actions: ${m.actions.map((a) => a.name).join(", ") || "none"}`);
      if (r.committed) {
        out(`  commit:  ${r.committed.commit.slice(0, 12)} (HEAD, checked as install clones it)`);
        for (const path of r.committed.differs) {
          err(`warning: ${path} differs from HEAD: install takes the committed one; commit it`);
        }
        for (const tag of r.committed.offTags) {
          err(
            `warning: tag ${tag} is on HEAD, but its ${MANIFEST_FILE} says version ` +
              `${r.committed.version}, which install shows; keep the two in step`,
          );
        }
      }
      return;
    }
    case "run": {
      const { values, positionals: pos } = parseCommandArgs(args, {
        config: { type: "string", multiple: true },
        "allow-host": { type: "string", multiple: true },
        "allow-private-network": { type: "boolean" },
        "data-dir": { type: "string" },
      });
      if (pos.length < 2 || pos.length > 3) {
        throw new UsageError(
          "usage: rungpt plugin run <dir> <action> [<json>] [--config key=value] " +
            "[--data-dir <data>] [--allow-host host[:port]] [--allow-private-network]",
        );
      }
      const [dir, action, json = "{}"] = pos;
      const output = await runPluginAction(dir, action, json, {
        allowHosts: values["allow-host"] ?? [],
        allowPrivateNetwork: values["allow-private-network"] === true,
        config: configPairs(values.config),
        dataDir: values["data-dir"],
        onLog: (e) => err(escapeControls(`[${e.level}] ${e.message}`)),
        onGrant: (grant) => err(`… test-only grant: ${grant}`),
      });
      // The result's own line breaks stay; each line is escaped, as it comes from the plugin.
      for (const line of output.split("\n")) out(escapeControls(line));
      return;
    }
    default:
      throw new UsageError(`unknown authoring command "${cmd}"`);
  }
}
