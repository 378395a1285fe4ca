/**
 * Test support for the plugin installer: local bare git repositories laid out so that
 * `${base}/${user}/${repo}` clones them (`<root>/git/<user>/<repo>.git`; git adds the `.git`),
 * hand-assembled WebAssembly modules, and manifest helpers.
 *
 * @example
 * ```ts
 * await using git = await createGitFixtures();
 * const repo = await git.createRepo("acme", "hello");
 * await repo.commit(pluginFiles({ version: "1.0.0" }), { tags: ["v1.0.0"] });
 * // installPlugin({ spec: "acme/hello", gitBase: git.base, ... })
 * ```
 * @module
 */
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { runGit } from "../../lib/plugins/git.ts";

/** File contents for a commit: text, bytes, or a symlink to `target`. */
export type FileMap = Record<string, string | Uint8Array | { symlink: string }>;

/** One fixture repository. */
export interface FixtureRepo {
  /** Path of the bare repository. */
  bare: string;
  /**
   * Commits exactly `files` (replacing the previous tree) on `branch` (default `main`),
   * tags it, pushes; returns the commit id.
   */
  commit(
    files: FileMap,
    opts?: { branch?: string; tags?: string[]; annotatedTags?: string[]; message?: string },
  ): Promise<string>;
}

/** A temp dir of bare repositories; dispose (or `cleanup()`) removes it. */
export interface GitFixtures extends AsyncDisposable {
  root: string;
  /** `file://…` base URL to pass as `RUNGPT_GIT_BASE`. */
  base: string;
  createRepo(user: string, repo: string): Promise<FixtureRepo>;
  cleanup(): Promise<void>;
}

const AUTHOR = ["-c", "user.name=Fixture", "-c", "user.email=fixture@example.invalid"];

/** Creates an empty fixtures root. */
export async function createGitFixtures(): Promise<GitFixtures> {
  const root = await Deno.makeTempDir({ prefix: "rungpt-git-" });
  const cleanup = () => Deno.remove(root, { recursive: true }).catch(() => {});
  return {
    root,
    base: `file://${root}/git`,
    cleanup,
    [Symbol.asyncDispose]: cleanup,
    async createRepo(user, repo) {
      const bare = join(root, "git", user, `${repo}.git`);
      const work = join(root, "work", user, repo);
      await Deno.mkdir(dirname(bare), { recursive: true });
      await Deno.mkdir(work, { recursive: true });
      await runGit(["init", "--quiet", "--bare", "-b", "main", bare]);
      await runGit(["init", "--quiet", "-b", "main", work]);
      await runGit(["remote", "add", "origin", bare], { cwd: work });
      let n = 0;
      return {
        bare,
        async commit(files, opts = {}) {
          const branch = opts.branch ?? "main";
          const exists = await runGit(
            ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`],
            {
              cwd: work,
            },
          ).then(() => true, () => false);
          const current = await runGit(["symbolic-ref", "--short", "HEAD"], { cwd: work });
          if (current !== branch) {
            await runGit(["checkout", "--quiet", ...(exists ? [] : ["-b"]), branch], { cwd: work });
          }
          for await (const e of Deno.readDir(work)) {
            if (e.name !== ".git") await Deno.remove(join(work, e.name), { recursive: true });
          }
          for (const [path, content] of Object.entries(files)) {
            const full = join(work, path);
            await Deno.mkdir(dirname(full), { recursive: true });
            if (typeof content === "string") await Deno.writeTextFile(full, content);
            else if (content instanceof Uint8Array) await Deno.writeFile(full, content);
            else await Deno.symlink(content.symlink, full);
          }
          await runGit(["add", "-A"], { cwd: work });
          await runGit([
            ...AUTHOR,
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            opts.message ?? `c${++n}`,
          ], {
            cwd: work,
          });
          for (const t of opts.tags ?? []) await runGit(["tag", t], { cwd: work });
          for (const t of opts.annotatedTags ?? []) {
            await runGit([...AUTHOR, "tag", "-a", "-m", t, t], { cwd: work });
          }
          await runGit(["push", "--quiet", "--force", "origin", branch], { cwd: work });
          await runGit(["push", "--quiet", "--force", "--tags", "origin"], { cwd: work });
          return await runGit(["rev-parse", "HEAD"], { cwd: work });
        },
      };
    },
  };
}

/**
 * A "git server" on 127.0.0.1 that accepts connections and never says a word: pass `base` as
 * `RUNGPT_GIT_BASE` to make a clone stall. Dispose closes it and every connection.
 *
 * @example
 * ```ts
 * await using remote = startStallingRemote();
 * // installPlugin({ spec: "acme/x", gitBase: remote.base, gitTimeoutMs: 300, ... }) times out
 * ```
 */
export function startStallingRemote(): {
  base: string;
  /** Connections accepted so far (git reached it). */
  connections(): number;
} & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch { /* closed */ }
  })();
  return {
    base: `http://127.0.0.1:${listener.addr.port}`,
    connections: () => conns.length,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) c.close();
      await accepting;
    },
  };
}

// --- WebAssembly assembler: just enough for installer tests. ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * A valid wasm module importing the given functions and exporting functions `() -> i32`
 * that return 0.
 *
 * @example
 * ```ts
 * buildWasm({ imports: [["rungpt:log", "info"]], exports: ["hello"] });
 * ```
 */
export function buildWasm(
  opts: { imports?: [module: string, name: string][]; exports?: string[] } = {},
): Uint8Array {
  const imports = opts.imports ?? [];
  const exports = opts.exports ?? [];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, 0x00, 0x01, 0x7f]])), // type 0: () -> i32
    ...section(2, vec(imports.map(([m, n]) => [...str(m), ...str(n), 0x00, 0x00]))),
    ...section(3, vec(exports.map(() => [0x00]))),
    ...section(7, vec(exports.map((e, i) => [...str(e), 0x00, ...uleb(imports.length + i)]))),
    ...section(10, vec(exports.map(() => [0x04, 0x00, 0x41, 0x00, 0x0b]))),
  ];
  return new Uint8Array(bytes);
}

/** A real function of each built-in API, so fixture modules pass the runtime's checks. */
const BUILTIN_FUNCTION: Record<string, string> = {
  "rungpt:fs": "read",
  "rungpt:net": "request",
  "rungpt:config": "get",
  "rungpt:log": "write",
};

/** A manifest object with sensible defaults, overridden by `fields`. */
export function manifestFields(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "hello",
    version: "1.0.0",
    description: "Says hello",
    wasm: "plugin.wasm",
    apis: [],
    actions: [{ name: "greet", description: "Greets someone" }],
    ...fields,
  };
}

/**
 * A plugin repository's files: `rungpt.yaml` from {@linkcode manifestFields}, and a
 * `plugin.wasm` that imports one function from each declared API and exports every action.
 */
export function pluginFiles(fields: Record<string, unknown> = {}, extra: FileMap = {}): FileMap {
  const m = manifestFields(fields);
  const apis = (m.apis ?? []) as string[];
  const actions = (m.actions ?? []) as { name: string }[];
  return {
    "rungpt.yaml": stringify(m),
    "plugin.wasm": buildWasm({
      imports: [
        ["extism:host/env", "input_length"],
        ...apis.map((a) => [a, BUILTIN_FUNCTION[a] ?? "call"] as [string, string]),
      ],
      exports: actions.map((a) => a.name),
    }),
    ...extra,
  };
}

/** Every file under `dir` (relative path -> content, or `-> target` for symlinks), for comparing trees. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymlink) out[p] = `-> ${await Deno.readLink(join(dir, p))}`;
      else if (e.isDirectory) {
        out[`${p}/`] = "dir";
        await walk(p);
      } else out[p] = Array.from(await Deno.readFile(join(dir, p))).join(",");
    }
  }
  await walk("");
  return out;
}
