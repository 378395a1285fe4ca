/**
 * `rungpt plugin …`: install, update, remove, list, info, enable, disable, config, quota, and the
 * authoring commands new, build, check, run (./authoring/cli.ts). Errors
 * print one line to stderr and exit 2 (a usage error) or 1; never a stack trace.
 *
 * Consent: the summary (for `remove`: what is deleted) is printed; `--yes` agrees; otherwise a
 * terminal is asked `Install? [y/N]` (`Update?`, `Remove?`); without a terminal the command
 * refuses and says to re-run with `--yes`.
 * @module
 */
import {
  type ConsentSummary,
  describeFsGrant,
  describeQuota,
  formatSummary,
  fsGrantsFor,
} from "./consent.ts";
import { parseCommandArgs } from "../cli/args.ts";
import { RefusedError, UsageError, UserError } from "../errors.ts";
import { escapeControls } from "../text/escape_controls.ts";
import { pluginDataDir } from "./data_dir.ts";
import { assertDirsApart } from "./dirs_apart.ts";
import { DataDirError } from "../store/paths.ts";
import { DEFAULT_GIT_BASE, gitTimeoutFrom } from "./git.ts";
import { repoLimitsFrom } from "./repo_limits.ts";
import { installPlugin, type ModuleValidator, removePlugin, updatePlugin } from "./install.ts";
import {
  getPluginConfig,
  listInstalled,
  parseConfigTexts,
  quotaOf,
  readUserConfig,
  setEnabled,
  setPluginConfig,
  setQuota,
} from "./installed.ts";
import { parseSize } from "./quota_size.ts";
import { readLockfile, verifyPlugin } from "./lockfile.ts";
import { raceAbort } from "./runtime.ts";
import type { ConfigValue } from "./installed.ts";
import { AUTHORING_COMMANDS, AUTHORING_USAGE, runAuthoringCommand } from "./authoring/cli.ts";

/** Options of {@linkcode runPluginCommand}. */
export interface PluginCommandOptions {
  pluginsDir: string;
  /**
   * The app's data dir, where each plugin keeps its own files (`plugins/<name>/`), or how to
   * find it: only install, update and remove ask, so `--help`, `list` and the authoring
   * commands work where no data dir can be found (no HOME).
   */
  dataDir: string | (() => string);
  /** Whether stdin is a terminal we may prompt on; default `Deno.stdin.isTerminal()`. */
  isTerminal?: boolean;
  /** Environment (for `RUNGPT_GIT_BASE`); default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** Writes a line of normal output; default `console.log`. */
  stdout?: (line: string) => void;
  /** Writes a line of progress or error output; default `console.error`. */
  stderr?: (line: string) => void;
  /** Asks a question on the terminal; default {@linkcode readAnswer}. */
  prompt?: (question: string) => Promise<string | null>;
  /**
   * Cancels an install or update in progress, or a removal that is still asking (main.ts
   * aborts it on Ctrl+C and SIGTERM, for {@linkcode CANCELLABLE_COMMANDS}): its clone is
   * deleted and nothing changes.
   */
  signal?: AbortSignal;
  /**
   * Forgets the "Always allow" answers given for a plugin's actions, before `remove` removes
   * it (main.ts: in the app's settings), so a later plugin of that name asks first again.
   */
  forgetApprovals?: (plugin: string) => Promise<void>;
  /** Module checker passed to the installer (the runtime supplies one). */
  validateModule?: ModuleValidator;
  /** What a relative folder given to `install` is relative to; default `Deno.cwd()`. */
  cwd?: string;
}

/** What `install` takes, for usage lines. */
const SOURCE_USAGE = "<user/repo[@ref] | https://github.com/user/repo | ./folder>";

/**
 * The subcommands that stop cleanly on {@linkcode PluginCommandOptions.signal}. main.ts turns
 * Ctrl+C and SIGTERM into that signal for these only: any other command ends at once, as a
 * program does without a signal listener (a listener would keep it running, unstoppable).
 */
export const CANCELLABLE_COMMANDS: readonly string[] = ["install", "update", "remove"];

/** Usage text of `rungpt plugin`. */
export const PLUGIN_USAGE = `usage: rungpt plugin <command>
  install ${SOURCE_USAGE} [--yes] [--allow-private-network]
  update <name> [--ref <ref>] [--yes] [--move-source]
  remove <name> [--yes]
  list [--json]
  info <name> [--json]
  enable <name>
  disable <name>
  config <name> [key=value ...] [--unset <key>]
  quota <name> [--bytes <size>] [--files <count>] [--reset]
Writing plugins:
${AUTHORING_USAGE}`;

const YES = { yes: { type: "boolean", short: "y" } } as const;
const JSON_FLAG = { json: { type: "boolean" } } as const;

/** A plugin that is not installed, as an error. */
function notInstalled(name: string): UserError {
  return new UserError(`plugin ${name} is not installed`, { kind: "data" });
}

/** The one positional `name` a command takes. */
function oneName(pos: string[], cmd: string): string {
  if (pos.length !== 1) throw new UsageError(`usage: rungpt plugin ${cmd} <name>`);
  return pos[0];
}

/**
 * Runs `rungpt plugin <args>`; resolves to the exit code (0 ok, 2 a usage error, 1 any other error or refused).
 *
 * @example
 * ```ts
 * const code = await runPluginCommand(["install", "acme/weather", "--yes"], {
 *   pluginsDir: "./plugins_store",
 * });
 * Deno.exit(code);
 * ```
 */
export async function runPluginCommand(
  args: string[],
  opts: PluginCommandOptions,
): Promise<number> {
  const out = opts.stdout ?? ((l: string) => console.log(l));
  const err = opts.stderr ?? ((l: string) => console.error(l));
  try {
    await dispatch(args, opts, out, err);
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    err(`error: ${escapeControls(msg.replace(/\s*\n\s*/g, " "))}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/**
 * Whether the user agrees: `--yes`, else `question` on the terminal; without a terminal it
 * refuses, saying how to confirm.
 */
async function confirmed(
  opts: PluginCommandOptions,
  yes: boolean,
  question: string,
): Promise<boolean> {
  if (yes) return true;
  const terminal = opts.isTerminal ?? Deno.stdin.isTerminal();
  if (!terminal) {
    throw new RefusedError(`not confirmed: no terminal to ask; re-run with --yes to confirm`);
  }
  const asking = (opts.prompt ?? readAnswer)(question);
  const reply = opts.signal
    ? await raceAbort(asking, opts.signal).catch(() => {
      throw new RefusedError("cancelled: nothing changed");
    })
    : await asking;
  const answer = reply?.trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/**
 * Writes `question` and reads one line from stdin, without blocking the event loop (the
 * global `prompt` does, and a Ctrl+C or SIGTERM meanwhile would then wait for Enter);
 * `null` at the end of input.
 */
export async function readAnswer(question: string): Promise<string | null> {
  await Deno.stdout.write(new TextEncoder().encode(`${question} `));
  const decoder = new TextDecoder();
  const buf = new Uint8Array(1024);
  let line = "";
  while (!line.includes("\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) return line || null;
    line += decoder.decode(buf.subarray(0, n), { stream: true });
  }
  return line.slice(0, line.indexOf("\n")).replace(/\r$/, "");
}

/** Builds the `confirm` callback for install/update. */
function confirmer(
  opts: PluginCommandOptions,
  yes: boolean,
  verb: "Install" | "Update",
  out: (l: string) => void,
): (s: ConsentSummary) => Promise<boolean> {
  return (summary) => {
    out(formatSummary(summary));
    return confirmed(opts, yes, `${verb}? [y/N]`);
  };
}

async function dispatch(
  args: string[],
  opts: PluginCommandOptions,
  out: (l: string) => void,
  err: (l: string) => void,
): Promise<void> {
  const [cmd, ...rest] = args;
  const env = opts.env ?? Deno.env.toObject();
  if (cmd !== undefined && AUTHORING_COMMANDS.includes(cmd)) {
    return runAuthoringCommand(cmd, rest, out, err, {
      validateModule: opts.validateModule,
      // `check` clones as install does, within the same limits.
      ...(cmd === "check" ? { repoLimits: repoLimitsFrom(env) } : {}),
    });
  }
  const gitBase = env.RUNGPT_GIT_BASE || DEFAULT_GIT_BASE;
  // An update clones from the URL recorded at install; a base set now is only compared.
  const pointedBase = env.RUNGPT_GIT_BASE || undefined;
  const gitTimeoutMs = gitTimeoutFrom(env);
  const repoLimits = repoLimitsFrom(env);
  const dir = opts.pluginsDir;
  const dataDir = () => typeof opts.dataDir === "string" ? opts.dataDir : opts.dataDir();
  if (!HELP_COMMANDS.includes(cmd)) await refuseOverlap(dir, dataDir);
  const progress = (step: string) => err(`… ${step}`);
  switch (cmd) {
    case "install": {
      const { values, positionals: pos } = parseCommandArgs(rest, {
        ...YES,
        "allow-private-network": { type: "boolean" },
      });
      if (pos.length !== 1) throw new UsageError(`usage: rungpt plugin install ${SOURCE_USAGE}`);
      const r = await installPlugin({
        spec: pos[0],
        cwd: opts.cwd ?? Deno.cwd(),
        pluginsDir: dir,
        dataDir: dataDir(),
        signal: opts.signal,
        gitTimeoutMs,
        repoLimits,
        confirm: confirmer(opts, values.yes === true, "Install", out),
        onProgress: progress,
        validateModule: opts.validateModule,
        gitBase,
        allowPrivateNetwork: values["allow-private-network"] === true,
      });
      out(
        `installed ${r.name} ${r.entry.version} (${r.entry.ref}, ${r.entry.commit.slice(0, 12)})`,
      );
      return;
    }
    case "update": {
      const { values, positionals: pos } = parseCommandArgs(rest, {
        ...YES,
        ref: { type: "string" },
        "allow-private-network": { type: "boolean" },
        "move-source": { type: "boolean" },
      });
      const r = await updatePlugin(oneName(pos, "update"), {
        pluginsDir: dir,
        dataDir: dataDir(),
        signal: opts.signal,
        gitTimeoutMs,
        repoLimits,
        ref: values.ref,
        confirm: confirmer(opts, values.yes === true, "Update", out),
        onProgress: progress,
        validateModule: opts.validateModule,
        gitBase: pointedBase,
        moveSource: values["move-source"] === true,
        allowPrivateNetwork: values["allow-private-network"] === true,
      });
      if (r.unchanged) {
        out(
          `${r.name} ${r.entry.version} is up to date with ${r.entry.url} ` +
            `(${r.entry.ref}, ${r.entry.commit.slice(0, 12)}); nothing changed`,
        );
        return;
      }
      // Not shown by `confirm` when nothing new was asked for; show it anyway.
      if (!r.summary.update?.needsConsent) out(formatSummary(r.summary));
      out(
        `updated ${r.name} ${r.previousVersion} -> ${r.entry.version} ` +
          `(${r.entry.ref}, ${r.entry.commit.slice(0, 12)})`,
      );
      return;
    }
    case "remove": {
      const { values, positionals: pos } = parseCommandArgs(rest, YES);
      const name = oneName(pos, "remove");
      if (!(await readLockfile(dir)).plugins[name]) {
        throw notInstalled(name);
      }
      out(
        `Remove ${name}: its install, its settings, and its own files and state in ` +
          pluginDataDir(dataDir(), name),
      );
      if (!(await confirmed(opts, values.yes === true, "Remove? [y/N]"))) {
        throw new RefusedError(`not confirmed: ${name} was not removed; nothing changed`);
      }
      await opts.forgetApprovals?.(name);
      await removePlugin(name, { pluginsDir: dir, dataDir: dataDir() });
      out(`removed ${name} and its files`);
      return;
    }
    case "enable":
    case "disable": {
      const name = oneName(parseCommandArgs(rest, {}).positionals, cmd);
      await setEnabled(dir, name, cmd === "enable");
      out(`${cmd}d ${name}`);
      return;
    }
    case "list": {
      const { values, positionals: pos } = parseCommandArgs(rest, JSON_FLAG);
      if (pos.length) throw new UsageError("usage: rungpt plugin list [--json]");
      const list = await listInstalled(dir);
      if (values.json) {
        out(json(
          list.map((p) => ({
            name: p.name,
            version: p.lock.version,
            enabled: p.enabled,
            source: p.lock.source,
            ref: p.lock.ref,
            commit: p.lock.commit,
            error: p.error,
          })),
        ));
        return;
      }
      if (!list.length) out("no plugins installed");
      for (const p of list) {
        out(
          `${p.name} ${p.lock.version} ${p.enabled ? "enabled" : "disabled"} ` +
            `${p.lock.source}@${p.lock.ref}${
              p.error ? ` (broken: ${escapeControls(p.error)})` : ""
            }`,
        );
      }
      return;
    }
    case "info":
      return info(rest, dir, out);
    case "config":
      return config(rest, dir, out);
    case "quota":
      return quota(rest, dir, out);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out(PLUGIN_USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${cmd}"; run "rungpt plugin help"`);
  }
}

/**
 * `value` as indented JSON for the terminal: JSON.stringify leaves C1 controls and bidi marks
 * from a manifest raw; escaped, the text is still the same JSON.
 */
function json(value: unknown): string {
  // Its line breaks are the indentation's: the strings' own are escaped already.
  return JSON.stringify(value, null, 2).split("\n").map(escapeControls).join("\n");
}

/** The words that ask for the usage text (and use no folder). */
const HELP_COMMANDS: readonly (string | undefined)[] = [undefined, "help", "--help", "-h"];

/**
 * Throws when the plugins dir and the data dir overlap (see `dirs_apart.ts`). Where no data dir
 * can be found (no HOME), there is none to overlap: the commands that need one say so.
 */
async function refuseOverlap(pluginsDir: string, dataDir: () => string): Promise<void> {
  let data: string;
  try {
    data = dataDir();
  } catch (e) {
    if (e instanceof DataDirError) return;
    throw e;
  }
  await assertDirsApart({ dataDir: data, pluginsDir });
}

/** `info <name> [--json]`: manifest, lock entry, grants and whether the module verifies. */
async function info(rest: string[], dir: string, out: (l: string) => void): Promise<void> {
  const { values, positionals: pos } = parseCommandArgs(rest, JSON_FLAG);
  const name = oneName(pos, "info");
  const entry = (await readLockfile(dir)).plugins[name];
  if (!entry) throw notInstalled(name);
  const plugin = (await listInstalled(dir)).find((p) => p.name === name)!;
  const moduleStatus = await verifyPlugin(dir, name).then(() => "ok", (e) => (e as Error).message);
  if (values.json) {
    out(json({ ...plugin, module: moduleStatus }));
    return;
  }
  const m = plugin.manifest;
  out(`${name} ${entry.version} (${entry.enabled ? "enabled" : "disabled"})`);
  if (m) out(`  about:     ${escapeControls(m.description)}`);
  out(`  source:    ${entry.url} @ ${entry.ref} (${entry.refKind}, ${entry.commit})`);
  out(`  installed: ${entry.installedAt}`);
  out(`  module:    ${moduleStatus === "ok" ? `ok (sha256 ${entry.wasmSha256})` : moduleStatus}`);
  const g = entry.grants;
  const list = (xs: string[]) => xs.length ? xs.join(", ") : "none";
  out(`  APIs:      ${list(g.apis)}`);
  out(`  network:   ${list(g.net.hosts)}${g.net.allowPrivate ? " + private addresses" : ""}`);
  // What rungpt:fs really gets follows from the manifest (older lockfiles recorded none for
  // the whole data dir).
  out(`  files:     ${list((m ? fsGrantsFor(m) : g.fs).map(describeFsGrant))}`);
  out(`  quota:     ${describeQuota(quotaOf(entry))}`);
  if (m) {
    out(`  actions:   ${list(m.actions.map((a) => a.name))}`);
    const user = await readUserConfig(dir, name);
    for (const [key, spec] of Object.entries(m.config)) {
      const set = Object.hasOwn(user, key);
      const shown = spec.secret
        ? (set ? "(secret, set)" : "(secret, not set)")
        : escapeControls(JSON.stringify(set ? user[key] : spec.default ?? null));
      out(`  setting:   ${key} = ${shown}`);
    }
  }
  if (plugin.error && plugin.error !== moduleStatus) {
    out(`  problem:   ${escapeControls(plugin.error)}`);
  }
}

/** `config <name> [key=value ...] [--unset key]`: show or change settings. */
async function config(rest: string[], dir: string, out: (l: string) => void): Promise<void> {
  const { values: flags, positionals } = parseCommandArgs(rest, {
    unset: { type: "string", multiple: true },
  });
  const [name, ...pairs] = positionals;
  if (!name) throw new UsageError("usage: rungpt plugin config <name> [key=value ...]");
  const plugin = (await listInstalled(dir)).find((p) => p.name === name);
  if (!plugin) throw notInstalled(name);
  if (!plugin.manifest) {
    throw new UserError(`plugin ${name} is broken: ${plugin.error}`, { kind: "data" });
  }
  const manifest = plugin.manifest;
  const texts: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new UsageError(`expected key=value, got "${pair}"`);
    texts[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const changes: Record<string, ConfigValue | null> = parseConfigTexts(manifest, texts);
  for (const key of flags.unset ?? []) changes[key] = null;
  const values = Object.keys(changes).length
    ? await setPluginConfig(dir, name, changes)
    : await getPluginConfig(dir, name);
  for (const [key, spec] of Object.entries(manifest.config)) {
    const v = values[key];
    // JSON leaves C1 controls and bidi overrides (a default from rungpt.yaml may hold them) raw.
    const shown = spec.secret && v !== undefined ? "(secret)" : JSON.stringify(v ?? null);
    out(`${key} = ${escapeControls(shown)}`);
  }
}

/**
 * `quota <name> [--bytes <size>] [--files <count>] [--reset]`: show or change how much the
 * plugin's data dir may hold; an option left out keeps its value, `--reset` restores the defaults.
 */
async function quota(rest: string[], dir: string, out: (l: string) => void): Promise<void> {
  const { values, positionals } = parseCommandArgs(rest, {
    bytes: { type: "string" },
    files: { type: "string" },
    reset: { type: "boolean" },
  });
  const name = oneName(positionals, "quota [--bytes <size>] [--files <count>] [--reset]");
  const entry = (await readLockfile(dir)).plugins[name];
  if (!entry) throw notInstalled(name);
  const { bytes, files } = values;
  if (values.reset && (bytes || files)) {
    throw new UsageError("--reset restores the defaults; give it without --bytes or --files");
  }
  let limits = quotaOf(entry);
  if (values.reset) limits = await setQuota(dir, name, null);
  else if (bytes || files) {
    limits = await setQuota(dir, name, {
      bytes: bytes !== undefined ? parseSize(bytes) : limits.bytes,
      files: files !== undefined ? parseCount(files) : limits.files,
    });
  }
  out(`${name} may store ${describeQuota(limits)}`);
}

/** A whole number of files, e.g. `50000` or `50,000`. */
function parseCount(text: string): number {
  const n = Number(text.replaceAll(",", "").replaceAll("_", ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `--files must be a whole number of at least 1, such as 50000; got "${text}"`,
    );
  }
  return n;
}
