/**
 * Keeps `deno.lock`, the lockfile `deno task start` runs with, to what running rungpt needs:
 * Deno downloads every package of the lockfile it runs with, so a newcomer's first start would
 * otherwise fetch the test and authoring packages too (playwright-core, assemblyscript with
 * binaryen …). Those live in `dev.lock`, which the other tasks use.
 *
 * It fails when `deno.lock` lacks a package `main.ts` loads, or holds one `main.ts` does not
 * load (walked from its module graph). With `--write` (`deno task lock`) it first writes
 * `deno.lock` as `dev.lock` cut down to those packages, so both pin the same versions.
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;

/** The parts of a lockfile (version 5) read here; the rest is copied as it is. */
interface Lockfile {
  specifiers?: Record<string, string>;
  npm?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The parts of `deno info --json` read here. */
interface GraphInfo {
  modules: { npmPackage?: string }[];
  npmPackages: Record<string, { dependencies?: string[] }>;
}

/** `name` of a package id such as `name@1.2.3` or `@scope/name@1.2.3_peer@4.5.6`. */
function packageName(id: string): string {
  return id.slice(0, id.indexOf("@", 1));
}

/** Runs `deno <args> main.ts` in the checkout; its stdout, or an error with its stderr. */
async function deno(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...args, "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr).trim());
  return new TextDecoder().decode(stdout);
}

/**
 * The npm packages (ids, with versions) `main.ts` loads, resolved with the lockfile `lock`.
 * `--frozen` fails when the lockfile lacks one.
 */
async function neededPackages(lock: string): Promise<Set<string>> {
  const info = JSON.parse(
    await deno(["info", "--json", "--frozen", `--lock=${lock}`]),
  ) as GraphInfo;
  // `npmPackages` is the lockfile's whole snapshot: walk from the packages the modules use.
  const seen = new Set<string>();
  const todo = info.modules.flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...info.npmPackages[id]?.dependencies ?? []);
  }
  return seen;
}

/** `dev.lock` with only the npm packages in `needed` (and the specifiers that lead to them). */
function prune(dev: Lockfile, needed: Set<string>): Lockfile {
  const target = (specifier: string, version: string) =>
    `${packageName(specifier.slice("npm:".length))}@${version}`;
  return {
    ...dev,
    specifiers: Object.fromEntries(
      Object.entries(dev.specifiers ?? {}).filter(([s, v]) =>
        !s.startsWith("npm:") || needed.has(target(s, v))
      ),
    ),
    npm: Object.fromEntries(
      Object.entries(dev.npm ?? {}).filter(([id]) => needed.has(id) || id.startsWith("@types/")),
    ),
  };
}

/** Writes `deno.lock` from `dev.lock`, so both pin the same versions; Deno then tidies it. */
async function write(): Promise<void> {
  const dev = JSON.parse(await Deno.readTextFile(`${ROOT}dev.lock`)) as Lockfile;
  const lock = prune(dev, await neededPackages("dev.lock"));
  await Deno.writeTextFile(`${ROOT}deno.lock`, JSON.stringify(lock, null, 2) + "\n");
  await deno(["cache", "--lock=deno.lock"]);
}

/** What is wrong with `deno.lock`, or null. */
async function problem(): Promise<string | null> {
  let needed: Set<string>;
  try {
    needed = await neededPackages("deno.lock");
  } catch (e) {
    return `deno.lock lacks what main.ts needs:\n${(e as Error).message}`;
  }
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`)) as Lockfile;
  // `@types/*` packages only type the graph: the lock must pin them, a start never loads them.
  const extra = Object.keys(lock.npm ?? {}).filter((id) =>
    !needed.has(id) && !id.startsWith("@types/")
  );
  return extra.length
    ? `deno.lock holds packages main.ts does not load: ${extra.join(", ")}. Every one is ` +
      "downloaded by a newcomer's first `deno task start`."
    : null;
}

async function main(): Promise<number> {
  if (Deno.args.includes("--write")) {
    await write();
  }
  const wrong = await problem();
  if (wrong) {
    console.error(`${wrong}\nRun \`deno task lock\`.`);
    return 1;
  }
  console.log("deno.lock holds exactly what `deno task start` needs");
  return 0;
}

Deno.exit(await main());
