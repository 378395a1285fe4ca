/**
 * A plain local folder as a one-commit git repository, so that installing it takes the same
 * path as a clone: the listing checked against the repository limits, the manifest and module
 * read from git's objects before consent, the checkout byte for byte. The folder's own
 * `.gitignore` files apply. The commit has fixed author and dates, so the same files make the
 * same commit id and an update of an unchanged folder says "already up to date".
 * @module
 */
import { join } from "node:path";
import { type GitStepOptions, runGit } from "./git.ts";
import { dirSize, watchDirSize } from "./dir_size.ts";
import { downloadTooLarge, type RepoLimits, tooManyFiles } from "./repo_limits.ts";

/** The branch a snapshot is committed on, shown as its ref. */
export const SNAPSHOT_BRANCH = "snapshot";

/** Who and when a snapshot commit is, fixed so that equal files give equal commits. */
const FIXED_COMMIT_ENV = {
  GIT_AUTHOR_NAME: "rungpt",
  GIT_AUTHOR_EMAIL: "rungpt@localhost",
  GIT_AUTHOR_DATE: "1970-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "rungpt",
  GIT_COMMITTER_EMAIL: "rungpt@localhost",
  GIT_COMMITTER_DATE: "1970-01-01T00:00:00Z",
};

/**
 * Commits the files of `dir` into a new repository at `repoDir` (which must not exist), within
 * `limits`: the files are counted before git copies any (stopped past `maxFiles`), and the copy
 * is stopped once the repository takes more than `maxBytes` on disk.
 *
 * @example
 * ```ts
 * await snapshotFolder("./examples/plugins/weather", join(tmp, "repo"), DEFAULT_REPO_LIMITS, {});
 * ```
 */
export async function snapshotFolder(
  dir: string,
  repoDir: string,
  limits: RepoLimits,
  opts: GitStepOptions,
): Promise<void> {
  await runGit(["init", "--quiet", "-b", SNAPSHOT_BRANCH, repoDir], opts);
  // The user's global configuration (hooks path, excludes, signing) has no say here.
  const env = {
    GIT_DIR: join(repoDir, ".git"),
    GIT_WORK_TREE: dir,
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  let files = 0;
  await runGit(["ls-files", "-z", "--others", "--exclude-standard"], {
    ...opts,
    cwd: dir,
    env,
    onStdout: (chunk) => {
      for (const byte of chunk) {
        if (byte === 0 && ++files > limits.maxFiles) {
          throw tooManyFiles(dir, files, limits.maxFiles);
        }
      }
    },
  });
  const over = new AbortController();
  const what = `the copy of ${dir}`;
  const watch = watchDirSize(
    repoDir,
    limits.maxBytes,
    (bytes) => over.abort(downloadTooLarge(what, bytes, limits.maxBytes)),
  );
  const signal = opts.signal ? AbortSignal.any([opts.signal, over.signal]) : over.signal;
  try {
    await runGit(["add", "--all", "--", "."], { ...opts, signal, cwd: dir, env });
  } finally {
    await watch.stop();
  }
  const bytes = await dirSize(repoDir);
  if (bytes > limits.maxBytes) throw downloadTooLarge(what, bytes, limits.maxBytes);
  await runGit(
    [
      "-c",
      "commit.gpgSign=false",
      "commit",
      "--quiet",
      "--no-verify",
      "--allow-empty",
      "-m",
      "snapshot",
    ],
    { ...opts, cwd: dir, env: { ...env, ...FIXED_COMMIT_ENV } },
  );
  // The index describes the folder's files: without it, the checkout writes every file anew.
  await Deno.remove(join(repoDir, ".git", "index"));
}
