/**
 * Installing, updating and removing plugins, atomically. A plugin is cloned into a temp dir
 * inside the plugins dir (same filesystem, so the final move is a rename); the resolved commit's
 * listing is checked against the repository limits, its manifest and module are read from git's
 * objects and validated (manifest, module, imports) and shown to the user for consent; only then
 * is the commit checked out (the listing bounds what it writes) and renamed into
 * `<pluginsDir>/<name>`, replacing the previous version. The git steps share one time limit.
 * Any failure leaves the plugins dir as it was.
 *
 * The installed copy has no `.git`: the lockfile records source and commit, and an update
 * clones afresh, so nothing in the plugin dir can steer git later.
 * @module
 */
import { join } from "node:path";
import {
  askingActions,
  type ConsentSummary,
  grantsFor,
  type PreviousInstall,
  shownSettings,
  summarize,
  unhiddenSettings,
} from "./consent.ts";
import { claimPluginData, pluginDataDir, removePluginData } from "./data_dir.ts";
import {
  checkoutCommit,
  DEFAULT_GIT_BASE,
  DEFAULT_GIT_TIMEOUT_MS,
  type GitStepOptions,
  resolveRef,
  TimeBudget,
} from "./git.ts";
import { fetchSource, readManifestAt, readModuleAt } from "./fetch_repo.ts";
import {
  parseSource,
  type PluginSource,
  recordedSource,
  sourceLabel,
  sourceUrl,
} from "./source.ts";
import { listTree } from "./git_tree.ts";
import { DEFAULT_REPO_LIMITS, type RepoLimits } from "./repo_limits.ts";
import { configPath, readUserConfig } from "./installed.ts";
import { checkLoadable, PluginError, raceAbort } from "./runtime.ts";
import { WASI_MODULE } from "./imports.ts";
import { createWorkDir, sweepWorkDirs } from "./workdirs.ts";
import {
  type LockEntry,
  readLockfile,
  sha256Hex,
  verifyPlugin,
  withPluginsLock,
  writeLockfile,
} from "./lockfile.ts";
import {
  API_SPECIFIER,
  EXTISM_ENV,
  loadManifest,
  type Manifest,
  PLUGIN_NAME,
  resolveWasmPath,
} from "./manifest.ts";
import { McpConfigError, readMcpConfig } from "../mcp/config.ts";

/** Largest module accepted, in bytes. */
export const MAX_WASM_BYTES = 64 * 1024 * 1024;

/** Checks a module against its manifest; throws with a clear message to refuse it. */
export type ModuleValidator = (wasmBytes: Uint8Array, manifest: Manifest) => Promise<void>;

/** Thrown when an install, update or removal fails; the message is one clear line. */
export class InstallError extends Error {
  override name = "InstallError";
}

/** Thrown when the user did not confirm. */
export class ConsentRefusedError extends InstallError {
  override name = "ConsentRefusedError";
}

/** Thrown when the install or update was cancelled (`FetchOptions.signal`) before it changed anything. */
export class InstallCancelledError extends InstallError {
  override name = "InstallCancelledError";
}

/** Options shared by install and update. */
export interface FetchOptions {
  pluginsDir: string;
  /**
   * The app's data dir, holding each plugin's own files (`plugins/<name>/`): a fresh install
   * deletes what a different plugin of the same name left there.
   */
  dataDir: string;
  /** Shown the summary; resolve `true` to go ahead. */
  confirm: (summary: ConsentSummary) => Promise<boolean>;
  /** Called with a short human-readable step ("cloning …", "validating module"). */
  onProgress?: (step: string) => void;
  /** Replaces {@linkcode checkModule} (the runtime supplies a stricter checker). */
  validateModule?: ModuleValidator;
  /**
   * Clone base (`RUNGPT_GIT_BASE`). An install clones from it (default: the environment's,
   * else https://github.com); an update clones from the URL recorded at install and only says
   * when this one differs, unless `moveSource`.
   */
  gitBase?: string;
  /** Grant access to loopback/private network addresses (off by default). */
  allowPrivateNetwork?: boolean;
  /**
   * Cancels the install (clone and consent included) until it starts to swap the new version
   * in; the clone is deleted and nothing changes.
   */
  signal?: AbortSignal;
  /**
   * Time limit of the git steps together, clone, listing and checkout (ms; the wait for consent
   * does not count); default `DEFAULT_GIT_TIMEOUT_MS` of `git.ts`.
   */
  gitTimeoutMs?: number;
  /**
   * How large the repository may be (download and files) and how many files the commit may
   * have; unset ones keep `DEFAULT_REPO_LIMITS` of `repo_limits.ts`. Checked before any of the
   * plugin's files is written.
   */
  repoLimits?: Partial<RepoLimits>;
}

/** Options of {@linkcode installPlugin}. */
export interface InstallOptions extends FetchOptions {
  /**
   * `user/repo[@ref]`, a GitHub URL, or a local folder (a git repository or a plain directory);
   * see `source.ts`.
   */
  spec: string;
  /** What a relative local path in `spec` is relative to; without it, one is refused. */
  cwd?: string;
}

/** Options of {@linkcode updatePlugin}. */
export interface UpdateOptions extends FetchOptions {
  /** Tag, branch or commit; default: the branch it follows, else the highest semver tag. */
  ref?: string;
  /**
   * Update from `gitBase` instead of the recorded clone URL, and record the new one; the user
   * is asked, whatever the new version asks for.
   */
  moveSource?: boolean;
}

/** The outcome of an install or update. */
export interface InstallResult {
  name: string;
  /** The plugin's install dir. */
  dir: string;
  entry: LockEntry;
  summary: ConsentSummary;
  /** The version replaced, if any. */
  previousVersion?: string;
  /** An update that found the installed commit, intact: nothing was changed. */
  unchanged?: boolean;
}

/**
 * The default module check: it compiles, every import module is `extism:host/env`, WASI preview
 * 1 or declared in `apis`, and every action and provided function is an exported function.
 *
 * @example
 * ```ts
 * await checkModule(await Deno.readFile("plugin.wasm"), manifest); // throws if refused
 * ```
 */
export async function checkModule(wasmBytes: Uint8Array, manifest: Manifest): Promise<void> {
  let mod: WebAssembly.Module;
  try {
    mod = await WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new InstallError(
      `${manifest.wasm}: not a valid WebAssembly module: ${(e as Error).message}`,
    );
  }
  const foreign = WebAssembly.Module.imports(mod)
    .filter((i) =>
      i.module !== EXTISM_ENV && i.module !== WASI_MODULE && !manifest.apis.includes(i.module)
    );
  const listed = (imports: typeof foreign) =>
    [...new Set(imports.map((i) => `"${i.module}" (${i.name})`))].join(", ");
  // Modules that are no `<namespace>:<api>` cannot be declared: say so, and where they come from.
  const unknown = foreign.filter((i) => !API_SPECIFIER.test(i.module));
  if (unknown.length) {
    const hints = [...new Set(unknown.map(importHint).filter(Boolean))];
    throw new InstallError(
      `module imports ${listed(unknown)}, which rungpt does not provide: a module may import ` +
        `only ${EXTISM_ENV}, ${WASI_MODULE} and the <namespace>:<api> modules listed in rungpt.yaml apis` +
        (hints.length ? ` (${hints.join("; ")})` : ""),
    );
  }
  if (foreign.length) {
    throw new InstallError(`module imports ${listed(foreign)}, not declared in rungpt.yaml apis`);
  }
  const fns = new Set(
    WebAssembly.Module.exports(mod).filter((e) => e.kind === "function").map((e) => e.name),
  );
  for (const a of manifest.actions) {
    const fn = a.export ?? a.name;
    if (!fns.has(fn)) {
      throw new InstallError(`action "${a.name}": the module exports no function "${fn}"`);
    }
  }
  for (const p of manifest.provides) {
    for (const fn of p.functions) {
      if (!fns.has(fn)) {
        throw new InstallError(`provides "${p.name}": the module exports no function "${fn}"`);
      }
    }
  }
}

/**
 * Where an import that no manifest can declare comes from, for those compilers add on their
 * own (AssemblyScript's `env` functions, WASI), or `""`.
 */
function importHint({ module, name }: WebAssembly.ModuleImportDescriptor): string {
  const as = `env.${name} is AssemblyScript's ${name === "seed" ? "Math.random" : name}()`;
  if (module === "env" && name === "abort") {
    return `${as}: asconfig.json needs "use": ["abort=sdk/rungpt/extism/rungptAbort"]`;
  }
  if (module === "env" && name === "seed") return `${as}, and plugins get no random source`;
  if (module === "env" && name.startsWith("Date.")) return `${as}, and plugins get no clock`;
  if (module === "env" && (name === "trace" || name.startsWith("console."))) {
    return "AssemblyScript's console.*() and trace() import env functions: log with the SDK's " +
      "logInfo() and the like (rungpt:log)";
  }
  if (module.startsWith("wasi")) {
    return `of WASI, only preview 1 (${WASI_MODULE}) is provided: build for wasm32-wasip1`;
  }
  if (module !== "env" && !module.includes(":")) {
    return `an AssemblyScript "declare function" without @external("<plugin>:<api>", "${name}") ` +
      `is imported from its file's module, "${module}"`;
  }
  return "";
}

/**
 * The installer's default check: {@linkcode checkModule}, then everything the runtime checks
 * before it loads a module (memory cap, refused Extism imports, unknown host functions), so
 * a plugin that could never run is refused now rather than on its first call.
 */
export async function checkInstallable(wasmBytes: Uint8Array, manifest: Manifest): Promise<void> {
  await checkModule(wasmBytes, manifest);
  try {
    await checkLoadable(wasmBytes, manifest);
  } catch (e) {
    if (e instanceof PluginError) throw new InstallError(`${manifest.wasm}: ${e.message}`);
    throw e;
  }
}

/** Renames `from` to `to`, turning errors into one line. */
async function move(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch (e) {
    throw new InstallError(`could not move ${from} to ${to}: ${(e as Error).message}`);
  }
}

/** Does the work of install and update; see {@linkcode installPlugin}. */
async function fetchAndCommit(
  spec: PluginSource,
  opts: FetchOptions,
  expect: { name?: string; pinned: boolean; url: string },
): Promise<InstallResult> {
  const progress = opts.onProgress ?? (() => {});
  const source = sourceLabel(spec);
  const url = expect.url;
  const cancelled = () => {
    if (opts.signal?.aborted) {
      throw new InstallCancelledError("cancelled: nothing was installed or changed");
    }
  };
  cancelled();
  await Deno.mkdir(opts.pluginsDir, { recursive: true });
  // Clones a killed install left behind (never one a live process is using).
  await sweepWorkDirs(opts.pluginsDir);
  const work = await createWorkDir(opts.pluginsDir, ".install-");
  const tmp = work.path;
  let installed: LockEntry | undefined;
  try {
    const repoDir = join(tmp, "repo");
    const git: GitStepOptions = {
      budget: new TimeBudget(opts.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS),
      signal: opts.signal,
    };
    const limits: RepoLimits = { ...DEFAULT_REPO_LIMITS, ...opts.repoLimits };
    progress(spec.kind === "local" ? `reading ${spec.path}` : `cloning ${url}`);
    await fetchSource(spec, url, repoDir, limits, git);
    cancelled();
    const resolved = await resolveRef(repoDir, spec.ref, git);
    const at = `${resolved.ref} (${resolved.commit.slice(0, 12)})`;
    // Nothing of the plugin is written before consent: what it asks for is read from git.
    progress(`listing the files of ${at}`);
    const tree = await listTree(repoDir, resolved.commit, limits, `${source}@${at}`, git);

    progress("validating manifest");
    const manifest = await readManifestAt(repoDir, tree, git);
    const name = manifest.name;
    if (expect.name !== undefined && name !== expect.name) {
      throw new InstallError(
        `${source}@${resolved.ref} is now named "${name}", not "${expect.name}"; ` +
          `remove ${expect.name} and install it anew`,
      );
    }
    const lock = await readLockfile(opts.pluginsDir);
    const previous = lock.plugins[name];
    // The same plugin is the same clone URL; only an update may move it (and then it asks).
    const isUpdate = expect.name !== undefined;
    if (previous && previous.url !== url && !isUpdate) {
      throw new InstallError(
        `a plugin named "${name}" is already installed from ${previous.url}; ` +
          `remove it first to install ${url}` +
          (previous.source === source
            ? `, or move it with "rungpt plugin update ${name} --move-source"`
            : ""),
      );
    }
    if (!previous && await mcpServerNamed(opts.dataDir, name)) {
      throw new InstallError(
        `an MCP server named "${name}" is added, and plugins and MCP servers share names; ` +
          `remove it first ("rungpt mcp remove ${name}")`,
      );
    }
    const target = join(opts.pluginsDir, name);
    const occupied = () => Deno.lstat(target).then(() => true, () => false);
    if (!previous && await occupied()) {
      throw new InstallError(`${target} exists but is not an installed plugin; move it away first`);
    }

    progress("validating module");
    const wasmBytes = await readModuleAt(repoDir, tree, manifest, MAX_WASM_BYTES, git);
    await (opts.validateModule ?? checkInstallable)(wasmBytes, manifest);
    const wasmSha256 = await sha256Hex(wasmBytes);

    const grants = grantsFor(manifest, {
      allowPrivateNetwork: opts.allowPrivateNetwork || previous?.grants.net.allowPrivate,
    });
    const summary = summarize(
      manifest,
      { source, url, ref: resolved.ref, commit: resolved.commit },
      grants,
      isUpdate && previous
        ? {
          version: previous.version,
          grants: previous.grants,
          url: previous.url,
          ...await comparedWithInstalled(opts.pluginsDir, name, manifest),
          quota: previous.quota,
        }
        : undefined,
    );
    cancelled();
    // What the lockfile will record of this install, and what tells it from the installed one.
    const next: Pick<LockEntry, SameInstallField> = {
      commit: resolved.commit,
      url,
      ref: resolved.ref,
      refKind: resolved.kind,
      pinned: expect.pinned,
      wasmSha256,
      grants,
    };
    // Nothing to do is said so, not done again (a damaged install is reinstalled, though).
    if (isUpdate && previous && await isCurrent(opts.pluginsDir, name, previous, next)) {
      progress("already up to date");
      return {
        name,
        dir: target,
        entry: previous,
        summary,
        previousVersion: previous.version,
        unchanged: true,
      };
    }
    if (!summary.update || summary.update.needsConsent) {
      progress("waiting for confirmation");
      const asking = opts.confirm(summary);
      if (!(await (opts.signal ? raceAbort(asking, opts.signal) : asking))) {
        throw new ConsentRefusedError(`not confirmed: ${name} was not installed; nothing changed`);
      }
    }
    cancelled();
    progress(`checking out ${at}`);
    await checkoutCommit(repoDir, resolved.commit, git);
    // The installed copy carries no git metadata (see the module doc).
    await Deno.remove(join(repoDir, ".git"), { recursive: true });
    await sameAsConsented(repoDir, manifest, wasmSha256);
    cancelled();

    // Only the final swap holds the plugins lock, so a question left open in a browser tab
    // does not block other installs; the swap checks nothing changed meanwhile.
    await withPluginsLock(opts.pluginsDir, async () => {
      const current = await readLockfile(opts.pluginsDir);
      if (JSON.stringify(current.plugins[name]) !== JSON.stringify(previous)) {
        throw new InstallError(
          `${name} was changed by another install while this one waited; nothing changed, try again`,
        );
      }
      const targetExists = await occupied();
      if (!previous && targetExists) {
        throw new InstallError(
          `${target} exists but is not an installed plugin; move it away first`,
        );
      }
      // A new install starts with its own data, never with what another source left.
      if (await claimPluginData(opts.dataDir, name, url, { fresh: !previous })) {
        progress(`deleting the files a removed plugin named ${name} left behind`);
      }
      progress(`installing into ${target}`);
      const entry: LockEntry = {
        source,
        ...next,
        version: manifest.version,
        installedAt: new Date().toISOString(),
        enabled: previous?.enabled ?? true,
        // A quota the user raised stays with the plugin's data across updates.
        ...(previous?.quota ? { quota: previous.quota } : {}),
      };
      // Swap: park the old version inside tmp, move the new one in, then write the lockfile;
      // undo in reverse order if a step fails.
      const parked = join(tmp, "previous");
      if (targetExists) await move(target, parked);
      try {
        await move(repoDir, target);
        try {
          await writeLockfile(opts.pluginsDir, {
            ...current,
            plugins: { ...current.plugins, [name]: entry },
          });
        } catch (e) {
          await move(target, repoDir);
          throw e;
        }
      } catch (e) {
        if (targetExists) await move(parked, target);
        throw e;
      }
      installed = entry;
    });
    progress("done");
    return { name, dir: target, entry: installed!, summary, previousVersion: previous?.version };
  } catch (e) {
    if (!installed) cancelled(); // a cancel, whatever step it interrupted
    throw e;
  } finally {
    await work.release();
  }
}

/**
 * Checks the checked-out files against what the user consented to, read from git before: the
 * same manifest and module (and the checks of a plugin dir on disk, symlinks and all, pass).
 */
async function sameAsConsented(dir: string, manifest: Manifest, wasmSha256: string) {
  const onDisk = await loadManifest(dir);
  const wasm = await Deno.readFile(await resolveWasmPath(dir, onDisk));
  if (
    JSON.stringify(onDisk) !== JSON.stringify(manifest) || await sha256Hex(wasm) !== wasmSha256
  ) {
    throw new InstallError(
      "the checked-out files differ from the commit's manifest or module as read before; " +
        "nothing was installed",
    );
  }
}

/**
 * What an update is compared with beyond the lock entry: the installed version's actions that
 * ask first, and the saved settings `next` would show that it kept hidden (either taken away
 * asks again).
 */
async function comparedWithInstalled(
  pluginsDir: string,
  name: string,
  next: Manifest,
): Promise<Pick<PreviousInstall, "asking" | "unhides">> {
  const installed = await loadManifest(join(pluginsDir, name)).catch(() => undefined);
  // Unreadable settings are shown nowhere (reading them fails there too).
  const saved = Object.keys(await readUserConfig(pluginsDir, name).catch(() => ({})));
  return {
    asking: installed && askingActions(installed),
    unhides: unhiddenSettings(next, saved, installed && shownSettings(installed)),
  };
}

/**
 * Whether an update would install what is installed: the same commit from the same place,
 * followed the same way, granted the same, and the installed copy still verifies (a damaged
 * one is reinstalled, which repairs it).
 */
async function isCurrent(
  pluginsDir: string,
  name: string,
  installed: LockEntry,
  next: Pick<LockEntry, SameInstallField>,
): Promise<boolean> {
  const same = SAME_INSTALL.every((field) =>
    JSON.stringify(installed[field]) === JSON.stringify(next[field])
  );
  return same && await verifyPlugin(pluginsDir, name).then(() => true, () => false);
}

/** The lockfile fields that make two installs of a plugin the same install. */
const SAME_INSTALL = [
  "commit",
  "url",
  "ref",
  "refKind",
  "pinned",
  "wasmSha256",
  "grants",
] as const;
type SameInstallField = (typeof SAME_INSTALL)[number];

/**
 * Installs `user/repo[@ref]` into `pluginsDir` (see the module doc for the steps).
 * Without a ref: the highest semver tag, else the default branch. Installing a plugin that is
 * already installed from the same source reinstalls it (asking again).
 *
 * @example
 * ```ts
 * const { entry } = await installPlugin({
 *   spec: "acme/weather@v1.2.0",
 *   pluginsDir: "./plugins_store",
 *   confirm: async (summary) => summary.hosts.every((h) => h.endsWith("acme.com")),
 * });
 * ```
 */
export async function installPlugin(opts: InstallOptions): Promise<InstallResult> {
  const spec = parseSource(opts.spec, { cwd: opts.cwd }); // validated before any git runs
  const base = setBase(opts.gitBase) ?? setBase(Deno.env.get("RUNGPT_GIT_BASE")) ??
    DEFAULT_GIT_BASE;
  return await fetchAndCommit(spec, opts, {
    pinned: spec.ref !== undefined,
    url: sourceUrl(spec, base),
  });
}

/**
 * A clone base that is set: blank (`RUNGPT_GIT_BASE=`) counts as unset, as in the CLI, not as
 * the base "" that would make `/user/repo` on this machine the clone URL.
 */
function setBase(base: string | undefined): string | undefined {
  return base?.trim() || undefined;
}

/**
 * Updates installed plugin `name` from the clone URL recorded at install: to `opts.ref` if
 * given, else the same branch if it was installed from a named branch, else the highest semver
 * tag (or the default branch). Asks `confirm` only when the new version asks for more than was
 * granted, or when `opts.moveSource` moves it to `opts.gitBase`. A `gitBase` that differs from
 * the recorded URL is otherwise only reported (a progress line).
 *
 * @example
 * ```ts
 * await updatePlugin("weather", { pluginsDir, confirm: askUser });
 * ```
 */
export async function updatePlugin(name: string, opts: UpdateOptions): Promise<InstallResult> {
  const entry = (await readLockfile(opts.pluginsDir)).plugins[name];
  if (!PLUGIN_NAME.test(name) || !entry) {
    throw new InstallError(`plugin ${name} is not installed`);
  }
  const follow = opts.ref ?? (entry.pinned && entry.refKind === "branch" ? entry.ref : undefined);
  const spec = recordedSource(entry.source, follow);
  // A local folder is read again where it is; only a GitHub source has a base to move to.
  const base = spec.kind === "github" ? setBase(opts.gitBase) : undefined;
  const pointed = base === undefined ? undefined : sourceUrl(spec, base);
  let url = entry.url;
  if (opts.moveSource) {
    if (pointed === undefined) {
      throw new InstallError(
        `--move-source needs RUNGPT_GIT_BASE set to the base to move ${name} to`,
      );
    }
    url = pointed;
  } else if (pointed !== undefined && pointed !== entry.url) {
    opts.onProgress?.(
      `RUNGPT_GIT_BASE points at ${pointed}, but ${name} was installed from ${entry.url}: ` +
        `updating from there (--move-source would move it)`,
    );
  }
  return await fetchAndCommit(spec, opts, { name, pinned: follow !== undefined, url });
}

/** Options of {@linkcode removePlugin}. */
export interface RemoveOptions {
  pluginsDir: string;
  /** The app's data dir: the plugin's own files there (`plugins/<name>/`) are deleted too. */
  dataDir: string;
}

/**
 * Removes installed plugin `name`: its dir, lockfile entry, stored settings, and its own files
 * and state in the data dir, so nothing is left for a later plugin of the same name.
 *
 * @example
 * ```ts
 * await removePlugin("weather", { pluginsDir: "./plugins_store", dataDir });
 * ```
 */
export function removePlugin(name: string, opts: RemoveOptions): Promise<void> {
  return withPluginsLock(opts.pluginsDir, async () => {
    const lock = await readLockfile(opts.pluginsDir);
    if (!PLUGIN_NAME.test(name) || !lock.plugins[name]) {
      throw new InstallError(`plugin ${name} is not installed`);
    }
    const target = join(opts.pluginsDir, name);
    await sweepWorkDirs(opts.pluginsDir);
    const work = await createWorkDir(opts.pluginsDir, ".remove-");
    const tmp = work.path;
    try {
      const parked = join(tmp, name);
      const exists = await Deno.lstat(target).then(() => true, () => false);
      if (exists) await move(target, parked);
      const { [name]: _, ...rest } = lock.plugins;
      try {
        await writeLockfile(opts.pluginsDir, { ...lock, plugins: rest });
      } catch (e) {
        if (exists) await move(parked, target);
        throw e;
      }
      await Deno.remove(configPath(opts.pluginsDir, name)).catch(() => {});
      await removePluginData(opts.dataDir, name).catch((e) => {
        throw new InstallError(
          `removed ${name}, but could not delete its files in ${
            pluginDataDir(opts.dataDir, name)
          }: ${(e as Error).message}; delete them yourself`,
        );
      });
    } finally {
      await work.release();
    }
  });
}

/** Whether `name` is an MCP server's (one namespace); a broken mcp.json names none. */
async function mcpServerNamed(dataDir: string, name: string): Promise<boolean> {
  try {
    return (await readMcpConfig(dataDir)).servers[name] !== undefined;
  } catch (e) {
    if (e instanceof McpConfigError) return false;
    throw e;
  }
}
