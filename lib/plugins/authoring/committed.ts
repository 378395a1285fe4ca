/**
 * What install would see of a plugin repository that is a git repository: install clones it and
 * checks out a commit, so a git-ignored or uncommitted `plugin.wasm` (or `rungpt.yaml`) is not
 * there, and a changed one is there as it was committed. `rungpt plugin check` uses this to
 * check the commit at HEAD, cloned as install clones, besides the working tree.
 * @module
 */
import { join } from "node:path";
import { checkoutCommit, isSemverTag, runGit } from "../git.ts";
import { cloneWithin } from "../fetch_repo.ts";
import { listTree } from "../git_tree.ts";
import { DEFAULT_REPO_LIMITS, RepoLimitError, type RepoLimits } from "../repo_limits.ts";
import { type Manifest, MANIFEST_FILE } from "../manifest.ts";

/** Thrown when the committed tree would not install; the message is one line. */
export class CommittedError extends Error {
  override name = "CommittedError";
}

/** The commit at HEAD, as checked. */
export interface CommittedState {
  /** The 40-hex commit id of HEAD. */
  commit: string;
  /** The version in HEAD's manifest. */
  version: string;
  /** Files install takes from the commit that differ in the working tree (sorted). */
  differs: string[];
  /**
   * Version tags on HEAD that name another version than its manifest (install shows the
   * manifest's), e.g. `v0.3.0` on a commit whose `rungpt.yaml` still says 0.2.0.
   */
  offTags: string[];
}

// A repository's own config must not run programs while we look at it.
const SAFE = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"];

/** Whether `dir` is the root of a git working tree (it has its own `.git`). */
export async function isGitRoot(dir: string): Promise<boolean> {
  return await Deno.lstat(join(dir, ".git")).then(() => true, () => false);
}

/** Why `path` is not in the commit: ignored (naming the rule) or never added. */
async function whyMissing(dir: string, path: string): Promise<string> {
  const rule = await runGit([...SAFE, "check-ignore", "--verbose", "--", path], { cwd: dir })
    .catch(() => "");
  if (rule) {
    return `is ignored by git (${rule.split("\t")[0]}), so it is not committed: install clones ` +
      `the repository and would not find it; remove that rule and commit ${path}`;
  }
  return `is not committed: install clones the repository and would not find it; ` +
    `git add ${path} and commit`;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([a, b].map((p) => Deno.readFile(p).catch(() => null)));
  return x !== null && y !== null && x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The semver tags on HEAD whose version (without `v` and build metadata) is not `version`. */
async function offTags(root: string, version: string): Promise<string[]> {
  const plain = (v: string) => v.replace(/^v/, "").replace(/\+.*$/, "");
  const tags = await runGit([...SAFE, "tag", "--points-at", "HEAD"], { cwd: root });
  return tags.split("\n").filter((t) => isSemverTag(t) && plain(t) !== plain(version)).sort();
}

/**
 * Clones the git repository at `dir` as install does, within the same `limits` (default
 * `DEFAULT_REPO_LIMITS`), checks out HEAD and runs `check` on that tree. Throws
 * {@linkcode CommittedError} when there is no commit, when the repository is over a limit,
 * when the manifest or the module (`working.wasm`) is not committed (saying whether git ignores
 * it), or when the commit fails `check`. Returns HEAD, the files that differ from the working tree and the version
 * tags on HEAD that disagree with its manifest.
 *
 * @example
 * ```ts
 * const { commit, differs } = await checkCommitted("./my-plugin", manifest, checkTree);
 * ```
 */
export async function checkCommitted(
  dir: string,
  working: Manifest,
  check: (tree: string) => Promise<{ manifest: Manifest }>,
  limits: Partial<RepoLimits> = {},
): Promise<CommittedState> {
  const root = await Deno.realPath(dir);
  // Fails clearly when git is missing or this is no repository after all.
  await runGit([...SAFE, "rev-parse", "--show-toplevel"], { cwd: root });
  const commit = await runGit([...SAFE, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], {
    cwd: root,
  }).catch(() => "");
  if (!commit) {
    throw new CommittedError(
      `${dir} is a git repository without commits: install takes what is committed; ` +
        `commit ${MANIFEST_FILE} and ${working.wasm}`,
    );
  }
  const tmp = await Deno.makeTempDir({ prefix: "rungpt-check-git-" });
  try {
    const tree = join(tmp, "repo");
    const head = `the commit at HEAD (${commit.slice(0, 12)})`;
    try {
      const bounds = { ...DEFAULT_REPO_LIMITS, ...limits };
      await cloneWithin(root, tree, bounds, {});
      await listTree(tree, commit, bounds, head, {});
    } catch (e) {
      if (e instanceof RepoLimitError) {
        throw new CommittedError(`install would refuse ${e.message}`);
      }
      throw e;
    }
    await checkoutCommit(tree, commit);
    for (const path of [MANIFEST_FILE, working.wasm]) {
      if (!(await Deno.lstat(join(tree, path)).then(() => true, () => false))) {
        throw new CommittedError(`${path} ${await whyMissing(root, path)}`);
      }
    }
    let committed: Manifest;
    try {
      committed = (await check(tree)).manifest;
    } catch (e) {
      throw new CommittedError(
        `${head} would not install: ${(e as Error).message}`,
      );
    }
    const differs: string[] = [];
    for (const path of new Set([MANIFEST_FILE, working.wasm, committed.wasm])) {
      if (!(await sameFile(join(root, path), join(tree, path)))) differs.push(path);
    }
    const { version } = committed;
    return { commit, version, differs: differs.sort(), offTags: await offTags(root, version) };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
