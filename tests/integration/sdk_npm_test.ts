/**
 * The AssemblyScript SDK used as an npm dependency, as sdk/assemblyscript/README.md says: the
 * package is packed with `npm pack`, the tarball installed with `npm install` into a repository
 * made by `rungpt plugin new` (npm fetches `assemblyscript` from the registry), the code imports
 * `@rungpt/sdk-assemblyscript`, `asconfig.json` names the package's `rungptAbort` with the
 * README's `use` line; the module builds, runs in the real sandbox, and is byte for byte the one
 * the vendored copy builds.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildPlugin } from "../../lib/plugins/authoring/build.ts";
import { runPluginAction } from "../../lib/plugins/authoring/run.ts";
import { newPlugin } from "../../lib/plugins/authoring/scaffold.ts";
import { SDK_DIR, VENDORED_SDK_DIR } from "../../lib/plugins/authoring/sdk.ts";

/** Runs a command in `cwd`; fails with its output unless it succeeds. Returns stdout. */
async function run(cwd: string, cmd: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { NO_COLOR: "1", npm_config_audit: "false", npm_config_fund: "false" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")}:\n${out}${new TextDecoder().decode(r.stderr)}`);
  return out;
}

Deno.test("SDK as an npm dependency: npm pack, npm install, import the package, run", async () => {
  const readme = await Deno.readTextFile(join(SDK_DIR, "README.md"));
  const use = /"use": \["(abort=~lib\/@rungpt\/sdk-assemblyscript\/[^"]+)"\]/.exec(readme)?.[1];
  assert.ok(use, "the README gives the asconfig `use` line for the npm package");
  const work = await Deno.makeTempDir({ prefix: "rungpt-sdk-npm-" });
  try {
    const tarball = (await run(work, "npm", "pack", "--silent", SDK_DIR)).trim().split("\n").at(
      -1,
    )!;
    assert.match(tarball, /^rungpt-sdk-assemblyscript-\d+\.\d+\.\d+\.tgz$/);

    const { dir } = await newPlugin("hello", { dir: join(work, "hello") });
    const vendored = await buildPlugin(dir, { dryRun: true });
    await run(dir, "npm", "install", "--silent", join(work, tarball));
    await Deno.remove(join(dir, VENDORED_SDK_DIR), { recursive: true });
    const source = join(dir, "assembly", "index.ts");
    const code = await Deno.readTextFile(source);
    assert.ok(code.includes('from "../sdk/rungpt"'));
    await Deno.writeTextFile(
      source,
      code.replace('from "../sdk/rungpt"', 'from "@rungpt/sdk-assemblyscript"'),
    );
    const asconfigPath = join(dir, "asconfig.json");
    const asconfig = JSON.parse(await Deno.readTextFile(asconfigPath));
    asconfig.options.use = [use];
    await Deno.writeTextFile(asconfigPath, JSON.stringify(asconfig, null, 2));

    const { wasm } = await buildPlugin(dir);
    assert.ok(
      wasm.length === vendored.wasm.length && wasm.every((b, i) => b === vendored.wasm[i]),
      "the package builds a different module than the vendored copy",
    );
    const out = await runPluginAction(dir, "greet", '{"name":"Ada"}', {
      config: { greeting: "Ahoy" },
    });
    assert.deepEqual(JSON.parse(out), { greeting: "Ahoy, Ada!" });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
