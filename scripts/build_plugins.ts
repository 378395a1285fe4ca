/**
 * `deno task build-plugins [--check] [DIR ...]`: rebuilds the committed `plugin.wasm` of every
 * example plugin (`examples/plugins/*`, or the plugin repositories named): AssemblyScript ones
 * (`assembly/index.ts`) with `rungpt plugin build`'s compiler, others with their `build.sh`
 * (the C example: clang and lld). Builds are deterministic, so a rebuild of unchanged sources
 * leaves the bytes as they are.
 *
 * With `--check` nothing is written: each module is built into a temporary file and compared
 * with the committed one; a difference is reported and the exit status is 1.
 *
 * The test plugins in tests/fixtures/wasm/ are not committed modules: tests compile them on
 * demand (tests/support/wasm_fixtures.ts).
 *
 *     deno task build-plugins            # rebuild every example
 *     deno task build-plugins --check    # fail if a committed module is stale
 * @module
 */
import { join } from "node:path";
import { buildPlugin, readManifestForBuild } from "../lib/plugins/authoring/build.ts";

const EXAMPLES = join(import.meta.dirname!, "..", "examples", "plugins");

/** How one plugin repository is built. */
type Builder = "assemblyscript" | "build.sh";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** How `dir` is built, or `null` when it has neither an AssemblyScript entry nor a build.sh. */
async function builderOf(dir: string): Promise<Builder | null> {
  if (await exists(join(dir, "assembly", "index.ts"))) return "assemblyscript";
  if (await exists(join(dir, "build.sh"))) return "build.sh";
  return null;
}

/** Builds `dir`'s module into `out` (absolute; the committed path by default), returns it. */
async function build(dir: string, builder: Builder, out?: string): Promise<Uint8Array> {
  if (builder === "assemblyscript") return (await buildPlugin(dir, { outFile: out })).wasm;
  out ??= join(dir, (await readManifestForBuild(dir)).wasm);
  const res = await new Deno.Command("sh", {
    args: [join(dir, "build.sh"), out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) {
    const why = new TextDecoder().decode(res.stderr).trim().split("\n").at(-1);
    throw new Error(`build.sh failed: ${why || `exit code ${res.code}`}`);
  }
  return await Deno.readFile(out);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Rebuilds (or with `check`, compares) each of `dirs`; returns the number of failures. */
export async function buildPlugins(
  dirs: readonly string[],
  opts: { check: boolean; log: (line: string) => void },
): Promise<number> {
  let failed = 0;
  const tmp = await Deno.makeTempDir({ prefix: "rungpt-build-plugins-" });
  try {
    for (const dir of dirs) {
      const builder = await builderOf(dir);
      if (!builder) {
        opts.log(`skip    ${dir}: no assembly/index.ts and no build.sh`);
        continue;
      }
      try {
        const manifest = await readManifestForBuild(dir);
        const committed = join(await Deno.realPath(dir), manifest.wasm);
        const before = await Deno.readFile(committed).catch(() => new Uint8Array());
        const wasm = await build(dir, builder, opts.check ? join(tmp, "plugin.wasm") : undefined);
        if (!opts.check) {
          opts.log(
            `built   ${manifest.name} (${builder}): ${wasm.length} bytes` +
              (same(before, wasm) ? ", unchanged" : ", changed: commit it"),
          );
        } else if (same(before, wasm)) {
          opts.log(`ok      ${manifest.name}: ${manifest.wasm} is what its sources build`);
        } else {
          failed++;
          opts.log(
            `stale   ${manifest.name}: ${manifest.wasm} differs from what its sources ` +
              `build; run deno task build-plugins`,
          );
        }
      } catch (e) {
        failed++;
        opts.log(`failed  ${dir}: ${(e as Error).message}`);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return failed;
}

/** The example plugin repositories, sorted. */
async function examples(): Promise<string[]> {
  const dirs: string[] = [];
  for await (const e of Deno.readDir(EXAMPLES)) {
    if (e.isDirectory) dirs.push(join(EXAMPLES, e.name));
  }
  return dirs.sort();
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const unknown = Deno.args.filter((a) => a.startsWith("-") && a !== "--check");
  if (unknown.length) {
    console.error(
      `unknown option ${unknown[0]}; usage: deno task build-plugins [--check] [DIR ...]`,
    );
    Deno.exit(2);
  }
  const named = Deno.args.filter((a) => !a.startsWith("-"));
  const failed = await buildPlugins(named.length ? named : await examples(), {
    check,
    log: (line) => console.log(line),
  });
  Deno.exit(failed ? 1 : 0);
}
