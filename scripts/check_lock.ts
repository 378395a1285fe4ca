/**
 * Checks that `deno.lock`, the lockfile `deno task start` runs with, holds what running rungpt
 * needs and nothing else: a newcomer's first start downloads every package in it. Test, bench
 * and authoring packages (playwright-core, assemblyscript with binaryen …) live in `dev.lock`,
 * which the other tasks use.
 *
 * Fails when `main.ts` needs a package `deno.lock` lacks (refresh it with
 * `deno cache --lock=deno.lock main.ts`), or when `deno.lock` names a package `main.ts` does not
 * need (delete `deno.lock` and run that command).
 * @module
 */
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/** The npm package names a lockfile pins. */
async function lockedPackages(lockPath: string): Promise<Set<string>> {
  const lock = JSON.parse(await Deno.readTextFile(lockPath)) as { npm?: Record<string, unknown> };
  return new Set(Object.keys(lock.npm ?? {}).map(packageName));
}

/** The npm packages `main.ts` loads, resolved with `deno.lock` (fails if the lock lacks one). */
async function neededPackages(): Promise<Set<string>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--frozen", "--lock=deno.lock", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      "deno.lock lacks what main.ts needs: run `deno cache --lock=deno.lock main.ts`.\n" +
        new TextDecoder().decode(stderr).trim(),
    );
  }
  const info = JSON.parse(new TextDecoder().decode(stdout)) as GraphInfo;
  // `npmPackages` is the lockfile's whole snapshot: walk from the packages the modules use.
  const seen = new Set<string>();
  const todo = info.modules.flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...info.npmPackages[id]?.dependencies ?? []);
  }
  return new Set([...seen].map(packageName));
}

/** The parts of `deno info --json` read here. */
interface GraphInfo {
  modules: { npmPackage?: string }[];
  npmPackages: Record<string, { dependencies?: string[] }>;
}

/** `name` of a lockfile key such as `name@1.2.3` or `@scope/name@1.2.3_peer@4.5.6`. */
function packageName(key: string): string {
  return key.slice(0, key.indexOf("@", 1));
}

async function main(): Promise<number> {
  try {
    const needed = await neededPackages();
    const extra = [...await lockedPackages(join(ROOT, "deno.lock"))].filter((p) => !needed.has(p));
    if (extra.length) {
      throw new Error(
        `deno.lock holds packages main.ts does not need: ${extra.join(", ")}.\n` +
          "A newcomer's first `deno task start` downloads every one. Delete deno.lock and run " +
          "`deno cache --lock=deno.lock main.ts`.",
      );
    }
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
  console.log("deno.lock holds exactly what `deno task start` needs");
  return 0;
}

Deno.exit(await main());
