/**
 * git for the plugin installer: input validation, clone, ref resolution, checkout. git runs
 * through `Deno.Command` (never a shell) with `GIT_TERMINAL_PROMPT=0`; every user-supplied
 * value is validated before git sees it and passed after `--` or `--end-of-options`.
 * @module
 */
import semver from "semver";
import { concatBytes } from "../http/bytes.ts";

/** GitHub user/org names: alphanumerics and `-`, no leading `-`, at most 39 characters. */
const USER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
/** GitHub repository names: alphanumerics, `-`, `_`, `.`; no leading `.` or `-`. */
const REPO = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
/** A full commit id. */
const COMMIT = /^[0-9a-f]{40}$/;
/** An abbreviated commit id, as `git log --oneline` shows it (at least 7 hex digits). */
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/;
/** Characters allowed in a ref (a strict subset of what git allows). */
const REF_CHARS = /^[A-Za-z0-9._/+-]+$/;

/** The default clone base; `RUNGPT_GIT_BASE` overrides it (tests use `file:///…`). */
export const DEFAULT_GIT_BASE = "https://github.com";

/** How long a clone may take by default (ms); `RUNGPT_GIT_TIMEOUT_MS` changes it. */
export const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;

/**
 * The clone time limit from the environment: `RUNGPT_GIT_TIMEOUT_MS`, a positive integer of
 * milliseconds. Anything else is refused with a {@linkcode GitError} saying so, or, with
 * `onInvalid` (the server, which must start anyway), reported there and the default used.
 *
 * @example
 * ```ts
 * gitTimeoutFrom({ RUNGPT_GIT_TIMEOUT_MS: "60000" }); // 60000
 * ```
 */
export function gitTimeoutFrom(
  env: Record<string, string | undefined>,
  onInvalid?: (message: string) => void,
): number {
  const raw = env.RUNGPT_GIT_TIMEOUT_MS?.trim();
  if (!raw) return DEFAULT_GIT_TIMEOUT_MS;
  const ms = Number(raw);
  if (Number.isSafeInteger(ms) && ms > 0) return ms;
  const message = `RUNGPT_GIT_TIMEOUT_MS must be a positive number of milliseconds, not "${raw}"`;
  if (!onInvalid) throw new GitError(message);
  onInvalid(`${message}; using ${DEFAULT_GIT_TIMEOUT_MS}`);
  return DEFAULT_GIT_TIMEOUT_MS;
}

/** A parsed `user/repo[@ref]`. */
export interface PluginSpec {
  user: string;
  repo: string;
  /** The tag, branch or commit asked for; `undefined` means "latest". */
  ref?: string;
}

/** Thrown for invalid input or a failing git command; the message is one clear line. */
export class GitError extends Error {
  override name = "GitError";
}

/** Validates a GitHub user name; throws {@linkcode GitError} naming the problem. */
export function validateUser(user: string): string {
  if (!USER.test(user)) {
    throw new GitError(
      `invalid user "${user}": use letters, digits and '-', not starting with '-' (max 39)`,
    );
  }
  return user;
}

/** Validates a GitHub repository name; throws {@linkcode GitError} naming the problem. */
export function validateRepo(repo: string): string {
  if (!REPO.test(repo) || repo.includes("..") || repo.endsWith(".git")) {
    throw new GitError(
      `invalid repository "${repo}": use letters, digits, '-', '_' and '.', ` +
        `not starting with '-' or '.', without '..' or a .git suffix`,
    );
  }
  return repo;
}

/**
 * Validates a ref (tag, branch or 40-hex commit). Rejects a leading `-` (option injection),
 * `..`, control characters, spaces and anything else git's ref syntax forbids.
 */
export function validateRef(ref: string): string {
  const bad = (why: string) => new GitError(`invalid ref "${ref}": ${why}`);
  if (ref.length === 0 || ref.length > 200) throw bad("must be 1-200 characters");
  if (ref.startsWith("-")) throw bad("must not start with '-'");
  if (!REF_CHARS.test(ref)) {
    throw bad("use letters, digits and . _ / + - only (no spaces or control characters)");
  }
  if (ref.includes("..")) throw bad("must not contain '..'");
  if (ref.includes("//") || ref.startsWith("/") || ref.endsWith("/")) {
    throw bad("has an empty path component");
  }
  if (ref.endsWith(".") || ref.endsWith(".lock") || ref.split("/").some((c) => c.startsWith("."))) {
    throw bad("a component must not start with '.' or end with '.' or '.lock'");
  }
  return ref;
}

/**
 * Parses and validates `user/repo[@ref]`.
 *
 * @example
 * ```ts
 * parsePluginSpec("acme/weather@v1.2.0"); // { user: "acme", repo: "weather", ref: "v1.2.0" }
 * ```
 */
export function parsePluginSpec(spec: string): PluginSpec {
  const at = spec.indexOf("@");
  const path = at === -1 ? spec : spec.slice(0, at);
  const ref = at === -1 ? undefined : spec.slice(at + 1);
  const parts = path.split("/");
  if (parts.length !== 2) {
    throw new GitError(`invalid plugin "${spec}": expected user/repo or user/repo@ref`);
  }
  return {
    user: validateUser(parts[0]),
    repo: validateRepo(parts[1]),
    ...(ref === undefined ? {} : { ref: validateRef(ref) }),
  };
}

/** The clone URL `${base}/${user}/${repo}` for a validated spec. */
export function cloneUrl(spec: PluginSpec, base: string = DEFAULT_GIT_BASE): string {
  refuseCredentials(base);
  return `${base.replace(/\/+$/, "")}/${validateUser(spec.user)}/${validateRepo(spec.repo)}`;
}

/**
 * The clone URL is written to the lockfile and shown in progress and consent: a base holding
 * a secret (`https://token@host`, `scheme://user:password@host`) is refused. An ssh login
 * name (`ssh://git@host`) is no secret.
 */
function refuseCredentials(base: string): void {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(base);
  if (!m) return;
  const [, scheme, userinfo] = m;
  if (/^https?$/i.test(scheme) || userinfo.includes(":")) {
    throw new GitError(
      `RUNGPT_GIT_BASE must not hold credentials (${scheme}://…@): the clone URL is saved in ` +
        `the lockfile and shown; let a git credential helper supply them`,
    );
  }
}

/** Options of {@linkcode runGit}. */
export interface RunGitOptions {
  cwd?: string;
  /** Extra environment on top of the inherited one. */
  env?: Record<string, string>;
  /**
   * Stops git. The call rejects with the signal's reason when that is a {@linkcode GitError}
   * (a caller that stopped git for a reason of its own, e.g. a size limit), else with
   * {@linkcode GitCancelledError}.
   */
  signal?: AbortSignal;
  /** Stops git after this long (ms; the call rejects saying so). */
  timeoutMs?: number;
  /**
   * The time limit this call shares with the calls before it: git gets what is left of it, and
   * its time is charged to it. Used instead of `timeoutMs`.
   */
  budget?: TimeBudget;
  /**
   * Receives stdout as it comes, instead of the call returning it; when it throws, git is
   * stopped and the call rejects with that error.
   */
  onStdout?: (chunk: Uint8Array) => void;
}

/** git ran and exited with an error (it was not stopped); the message has git's words. */
export class GitFailedError extends GitError {
  override name = "GitFailedError";
}

/** git was stopped because the caller cancelled (not a failure of git). */
export class GitCancelledError extends GitError {
  override name = "GitCancelledError";
}

/**
 * Runs `git <args>` without a shell, no prompts; returns trimmed stdout, throws
 * {@linkcode GitError} with git's stderr on a non-zero exit. git is killed (SIGTERM) when
 * `signal` aborts, when its time is up, or when `onStdout` throws.
 */
export async function runGit(args: string[], opts: RunGitOptions = {}): Promise<string> {
  if (opts.signal?.aborted) throw stoppedError(args, opts.signal.reason, 0);
  const timeoutMs = opts.budget ? opts.budget.remainingFor(args) : opts.timeoutMs;
  const shared = opts.budget?.started ?? false;
  const stop = new AbortController();
  const onCancel = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onCancel, { once: true });
  const timer = timeoutMs === undefined
    ? undefined
    : setTimeout(() => stop.abort(TIMED_OUT), timeoutMs);
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("git", {
      args,
      cwd: opts.cwd,
      env: {
        ...opts.env,
        GIT_TERMINAL_PROMPT: "0",
        // No credential helper dialogs, no system/user hooks on what we fetch.
        GIT_ASKPASS: "",
        SSH_ASKPASS: "",
        GIT_CONFIG_NOSYSTEM: "1",
        LC_ALL: "C",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: stop.signal, // sends git SIGTERM
    }).spawn();
  } catch (e) {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCancel);
    if (e instanceof Deno.errors.NotFound) throw new GitError("git is not installed (not on PATH)");
    throw e;
  }
  const stdoutRead = drain(child.stdout, opts.onStdout, (e) => stop.abort(new StdoutError(e)));
  const stderrRead = drain(child.stderr);
  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCancel);
    opts.budget?.charge(performance.now() - started);
  }
  if (stop.signal.aborted) {
    // A transport helper git started may outlive it and keep the pipes open: stop reading.
    stdoutRead.cancel();
    stderrRead.cancel();
    throw stoppedError(args, stop.signal.reason, opts.budget?.limitMs ?? timeoutMs!, shared);
  }
  const stdout = new TextDecoder().decode(await stdoutRead.bytes).trim();
  if (!status.success) {
    const stderr = new TextDecoder().decode(await stderrRead.bytes).trim().split("\n")
      .filter((l) => l && !l.startsWith("hint:")).join(" / ");
    throw new GitFailedError(
      `git ${subcommand(args)} failed: ${stderr || `exit code ${status.code}`}`,
    );
  }
  stderrRead.cancel();
  return stdout;
}

/** The abort reason of a git call whose time ran out. */
const TIMED_OUT = Symbol("timed out");

/** The abort reason of a git call whose `onStdout` threw `error`. */
class StdoutError {
  constructor(readonly error: unknown) {}
}

/** Why a git call was stopped, as the error its caller gets. */
function stoppedError(
  args: string[],
  reason: unknown,
  limitMs: number,
  shared = false,
): unknown {
  if (reason instanceof StdoutError) return reason.error;
  if (reason instanceof GitError) return reason;
  if (reason !== TIMED_OUT) return new GitCancelledError(`git ${subcommand(args)} was cancelled`);
  const limit = formatSeconds(limitMs);
  if (shared) {
    return new GitError(
      `git ${subcommand(args)} was stopped: the clone and the steps after it took longer than ` +
        `${limit} together (RUNGPT_GIT_TIMEOUT_MS sets the limit)`,
    );
  }
  return new GitError(
    `git ${subcommand(args)} took longer than ${limit} and was stopped: the remote is not ` +
      `answering or is too slow (RUNGPT_GIT_TIMEOUT_MS sets the limit)`,
  );
}

/**
 * A time limit shared by several git calls (an install's clone, listing and checkout): each
 * call gets what the ones before it left. Time between calls (waiting for the user's consent)
 * is not charged.
 *
 * @example
 * ```ts
 * const budget = new TimeBudget(60_000);
 * await runGit(["clone", "--", url, dir], { budget });
 * await runGit(["checkout", commit], { cwd: dir, budget }); // gets 60 s minus the clone's time
 * ```
 */
export class TimeBudget {
  /** The whole limit (ms). */
  readonly limitMs: number;
  #usedMs = 0;

  constructor(limitMs: number) {
    this.limitMs = limitMs;
  }

  /** Charges `ms` of git time. */
  charge(ms: number): void {
    this.#usedMs += ms;
  }

  /** Whether an earlier call was charged already. */
  get started(): boolean {
    return this.#usedMs > 0;
  }

  /** What is left (ms); throws the time-out error when nothing is, before `args` runs. */
  remainingFor(args: string[]): number {
    const left = this.limitMs - this.#usedMs;
    if (left <= 0) throw stoppedError(args, TIMED_OUT, this.limitMs, this.started);
    return left;
  }
}

/**
 * Reads a whole stream in the background; `cancel()` stops reading (what was read is dropped).
 * With `onChunk`, chunks go there instead of being kept; if it throws, `onError` gets the error
 * and reading stops.
 */
function drain(
  stream: ReadableStream<Uint8Array>,
  onChunk?: (chunk: Uint8Array) => void,
  onError?: (error: unknown) => void,
): { bytes: Promise<Uint8Array>; cancel(): void } {
  const reader = stream.getReader();
  const bytes = (async () => {
    const chunks: Uint8Array[] = [];
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (!onChunk) chunks.push(r.value);
        else {
          try {
            onChunk(r.value);
          } catch (e) {
            onError?.(e);
            await reader.cancel().catch(() => {});
            break;
          }
        }
      }
    } catch { /* cancelled */ }
    return concatBytes(chunks);
  })();
  return { bytes, cancel: () => void reader.cancel().catch(() => {}) };
}

/** "90 s", "1.5 s". */
function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The git subcommand in `args`, skipping leading `-c key=value` options. */
function subcommand(args: string[]): string {
  let i = 0;
  while (args[i] === "-c") i += 2;
  return args[i] ?? "";
}

/** Whether a tag is a semver version: `v1.2.3` or `1.2.3`, optional `-prerelease`, `+build`. */
export function isSemverTag(tag: string): boolean {
  return semver.valid(tag) !== null && tag === tag.trim();
}

/** Compares two semver tags (semver precedence); non-semver tags must be filtered first. */
export function compareSemverTags(a: string, b: string): number {
  // `v1.2.3` and `1.2.3` tie; prefer the plain name order for determinism.
  return semver.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The highest semver tag among `tags`, or `undefined` when none is semver. */
export function highestSemverTag(tags: readonly string[]): string | undefined {
  return tags.filter(isSemverTag).sort(compareSemverTags).at(-1);
}

/** How a ref was resolved. */
export type RefKind = "tag" | "branch" | "commit";

/** A ref resolved to a commit in a clone. */
export interface ResolvedRef {
  /** The tag or branch name, or the commit id. */
  ref: string;
  kind: RefKind;
  /** The 40-hex commit id. */
  commit: string;
}

/** Options of the git steps of an install: a shared time limit and a cancel signal. */
export interface GitStepOptions {
  /** The time limit shared by the steps (default: a fresh one of `DEFAULT_GIT_TIMEOUT_MS`). */
  budget?: TimeBudget;
  /** Stops git (see {@linkcode RunGitOptions.signal}). */
  signal?: AbortSignal;
}

/**
 * Clones `url` into `dir` (which must not exist or be empty) without checking out files.
 * Submodules are not fetched; hooks are not cloned by git. `opts.budget` bounds the clone
 * (default {@linkcode DEFAULT_GIT_TIMEOUT_MS}); `opts.signal` cancels it.
 */
export async function cloneRepo(
  url: string,
  dir: string,
  opts: GitStepOptions = {},
): Promise<void> {
  const budget = opts.budget ?? new TimeBudget(DEFAULT_GIT_TIMEOUT_MS);
  // Only fetch through protocols an installer needs; `ext::` and friends stay disabled.
  await runGit([
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.http.allow=always",
    "-c",
    "protocol.file.allow=always",
    "-c",
    "protocol.ssh.allow=always",
    // Over http(s), git's helper gives up on its own when the remote goes quiet this long,
    // rather than outliving a clone stopped at its time limit.
    "-c",
    "http.lowSpeedLimit=1",
    "-c",
    `http.lowSpeedTime=${Math.ceil(budget.limitMs / 1000)}`,
    "clone",
    "--quiet",
    "--no-checkout",
    "--",
    url,
    dir,
  ], { signal: opts.signal, budget }).catch((e) => {
    throw e instanceof GitCancelledError ? e : explainCloneFailure(url, e);
  });
}

/**
 * git's own words for a repository that is not there, or a host it cannot reach, lead with
 * what the user can do about it (git's text follows, for the details).
 */
function explainCloneFailure(url: string, error: unknown): unknown {
  if (!(error instanceof GitError)) return error;
  const text = error.message;
  if (
    /does not appear to be a git repository|repository '[^']*' not found|Repository not found|could not read Username/i
      .test(text)
  ) {
    return new GitError(`no repository at ${url} (or it is private): check user/repo — ${text}`);
  }
  if (/Could not resolve host/i.test(text)) {
    return new GitError(
      `cannot reach the host of ${url}: no network, or RUNGPT_GIT_BASE is wrong — ${text}`,
    );
  }
  return error;
}

/** Lists the clone's tags. */
async function listTags(dir: string, opts: GitStepOptions): Promise<string[]> {
  const out = await runGit(["for-each-ref", "--format=%(refname:strip=2)", "refs/tags"], {
    cwd: dir,
    ...opts,
  });
  return out ? out.split("\n") : [];
}

/** The commit a full ref name points to (peeling tags), or `undefined` when there is none. */
async function commitOf(
  dir: string,
  fullRef: string,
  opts: GitStepOptions,
): Promise<string | undefined> {
  try {
    return await runGit([
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${fullRef}^{commit}`,
    ], { cwd: dir, ...opts });
  } catch (e) {
    if (isStopped(e)) throw e;
    return undefined;
  }
}

/** A git call that was stopped (time, cancel, a limit) rather than one that answered "no". */
function isStopped(error: unknown): boolean {
  return !(error instanceof GitFailedError);
}

/**
 * The one commit whose id starts with `prefix` (7-39 hex digits), `undefined` when there is
 * none; throws when several commits share it.
 */
async function commitByPrefix(
  dir: string,
  prefix: string,
  opts: GitStepOptions,
): Promise<string | undefined> {
  // Every object (commit, tree, blob) whose id starts with the prefix; only commits count.
  const objects = (await runGit(["rev-parse", `--disambiguate=${prefix}`], { cwd: dir, ...opts })
    .catch((e) => {
      if (isStopped(e)) throw e;
      return "";
    })).split("\n").filter((id) => COMMIT.test(id));
  const commits: string[] = [];
  for (const id of objects) {
    const type = await runGit(["cat-file", "-t", id], { cwd: dir, ...opts });
    if (type === "commit") commits.push(id);
  }
  if (commits.length > 1) {
    throw new GitError(
      `ref "${prefix}" is ambiguous: ${commits.length} commits start with it; give more digits`,
    );
  }
  return commits[0];
}

/**
 * Resolves `ref` in a fresh clone: an explicit tag, branch or commit id (40 hex digits, or an
 * abbreviation of at least 7 that only one commit starts with, recorded in full); without one,
 * the highest semver tag, else the default branch.
 */
export async function resolveRef(
  dir: string,
  ref?: string,
  opts: GitStepOptions = {},
): Promise<ResolvedRef> {
  if (ref === undefined) {
    const latest = highestSemverTag(await listTags(dir, opts));
    if (latest) {
      const commit = (await commitOf(dir, `refs/tags/${latest}`, opts))!;
      return { ref: latest, kind: "tag", commit };
    }
    const head = await runGit(["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: dir, ...opts })
      .catch((e) => {
        if (isStopped(e)) throw e;
        return "";
      });
    const commit = await commitOf(dir, "HEAD", opts);
    if (!commit) throw new GitError("the repository has no commits");
    return { ref: head || commit, kind: head ? "branch" : "commit", commit };
  }
  validateRef(ref);
  const tag = await commitOf(dir, `refs/tags/${ref}`, opts);
  if (tag) return { ref, kind: "tag", commit: tag };
  const branch = await commitOf(dir, `refs/remotes/origin/${ref}`, opts);
  if (branch) return { ref, kind: "branch", commit: branch };
  if (COMMIT.test(ref)) {
    const commit = await commitOf(dir, ref, opts);
    if (commit) return { ref, kind: "commit", commit };
  } else if (SHORT_COMMIT.test(ref)) {
    const commit = await commitByPrefix(dir, ref, opts);
    if (commit) return { ref: commit, kind: "commit", commit };
  }
  const hint = /^[0-9a-f]{1,6}$/.test(ref)
    ? " (an abbreviated commit id needs at least 7 hex digits)"
    : "";
  throw new GitError(`ref "${ref}" not found: no tag, branch or commit of that name${hint}`);
}

/**
 * What a checkout must not do to the bytes of a blob: no end-of-line conversion, no `ident`,
 * no filters (Git LFS and the like), whatever the repository's `.gitattributes` say. The
 * clone's `info/attributes` overrides them, so each file is its blob, byte for byte, and the
 * sizes the listing gave are the sizes written.
 */
const VERBATIM_ATTRIBUTES = "* -text -eol -ident -filter -diff -merge -working-tree-encoding\n";

/**
 * Checks out `commit` (40-hex) as a detached HEAD in the clone at `dir`, each file exactly its
 * blob (see {@linkcode VERBATIM_ATTRIBUTES}), without the user's global git configuration (its
 * filters and hooks); `opts.budget` bounds it and `opts.signal` stops it.
 */
export async function checkoutCommit(
  dir: string,
  commit: string,
  opts: GitStepOptions = {},
): Promise<void> {
  if (!COMMIT.test(commit)) throw new GitError(`not a commit id: "${commit}"`);
  // A clone made by `cloneRepo` keeps its git dir in `.git`.
  await Deno.mkdir(`${dir}/.git/info`, { recursive: true });
  await Deno.writeTextFile(`${dir}/.git/info/attributes`, VERBATIM_ATTRIBUTES);
  await runGit(
    ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit, "--"],
    { cwd: dir, env: { GIT_CONFIG_GLOBAL: "/dev/null" }, ...opts },
  );
}
