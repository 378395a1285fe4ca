/**
 * The authoring subcommands of `rungpt plugin`: `new`, `build`, `run`, `check`. Called by
 * `runPluginCommand` (../cli.ts), which prints errors as one line and exits 1.
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

/** A usage or input error of an authoring command. */
export class AuthoringUsageError extends Error {
  override name = "AuthoringUsageError";
}

interface Parsed {
  pos: string[];
  dir?: string;
  config: Record<string, string>;
  allowHosts: string[];
  allowPrivate: boolean;
  dataDir?: string;
}

function parse(args: string[], allowed: string[]): Parsed {
  const p: Parsed = { pos: [], config: {}, allowHosts: [], allowPrivate: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      p.pos.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (!allowed.includes(key)) throw new AuthoringUsageError(`unknown option --${key}`);
    if (key === "allow-private-network") {
      p.allowPrivate = true;
      continue;
    }
    let value: string;
    if (eq !== -1) value = a.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i];
    else throw new AuthoringUsageError(`--${key} needs a value`);
    if (key === "dir") p.dir = value;
    else if (key === "data-dir") p.dataDir = value;
    else if (key === "allow-host") p.allowHosts.push(value);
    else if (key === "config") {
      const at = value.indexOf("=");
      if (at < 1) throw new AuthoringUsageError(`--config expects key=value, got "${value}"`);
      p.config[value.slice(0, at)] = value.slice(at + 1);
    }
  }
  return p;
}

function atMost(pos: string[], n: number, usage: string): void {
  if (pos.length > n) throw new AuthoringUsageError(`usage: rungpt plugin ${usage}`);
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
      const p = parse(args, ["dir"]);
      if (p.pos.length !== 1) {
        throw new AuthoringUsageError("usage: rungpt plugin new <name> [--dir <dir>]");
      }
      const r = await newPlugin(p.pos[0], { dir: p.dir });
      out(`created ${r.dir} (${r.files.length} files)`);
      out(
        `next: rungpt plugin build ${r.dir} && rungpt plugin run ${r.dir} greet '{"name":"Ada"}'`,
      );
      return;
    }
    case "build": {
      const p = parse(args, []);
      atMost(p.pos, 1, "build [<dir>]");
      err(`… compiling ${p.pos[0] ?? "."}`);
      const r = await buildPlugin(p.pos[0] ?? ".");
      out(`built ${r.wasmPath} (${r.wasm.length} bytes)`);
      return;
    }
    case "check": {
      const p = parse(args, []);
      atMost(p.pos, 1, "check [<dir>]");
      const r = await checkPlugin(p.pos[0] ?? ".", opts);
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
      const p = parse(args, ["config", "allow-host", "allow-private-network", "data-dir"]);
      if (p.pos.length < 2 || p.pos.length > 3) {
        throw new AuthoringUsageError(
          "usage: rungpt plugin run <dir> <action> [<json>] [--config key=value] " +
            "[--data-dir <data>] [--allow-host host[:port]] [--allow-private-network]",
        );
      }
      const [dir, action, json = "{}"] = p.pos;
      const output = await runPluginAction(dir, action, json, {
        allowHosts: p.allowHosts,
        allowPrivateNetwork: p.allowPrivate,
        config: p.config,
        dataDir: p.dataDir,
        onLog: (e) => err(escapeControls(`[${e.level}] ${e.message}`)),
        onGrant: (grant) => err(`… test-only grant: ${grant}`),
      });
      // The result's own line breaks stay; each line is escaped, as it comes from the plugin.
      for (const line of output.split("\n")) out(escapeControls(line));
      return;
    }
    default:
      throw new AuthoringUsageError(`unknown authoring command "${cmd}"`);
  }
}
