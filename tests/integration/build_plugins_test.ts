/**
 * `deno task build-plugins`: it rebuilds every example plugin (AssemblyScript and C) to the
 * committed bytes, and with `--check` reports a stale module and exits 1 without writing.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { newPlugin } from "../../lib/plugins/authoring/scaffold.ts";

const ROOT = join(import.meta.dirname!, "..", "..");

/**
 * Runs `deno task build-plugins <args>` in the checkout; returns the exit code, its report
 * (stdout) and stderr apart, where Deno may add notes such as waiting for a file lock.
 */
async function task(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "build-plugins", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: r.code, out: decoder.decode(r.stdout), err: decoder.decode(r.stderr) };
}

Deno.test("build-plugins --check: every example's committed module is what its sources build", async () => {
  const { code, out, err } = await task("--check");
  assert.equal(code, 0, out + err);
  const examples = [...Deno.readDirSync(join(ROOT, "examples", "plugins"))]
    .filter((e) => e.isDirectory).map((e) => e.name).sort();
  assert.deepEqual(examples, ["checksum", "currency", "text-transform", "weather"]);
  assert.deepEqual(
    out.trim().split("\n"),
    examples.map((name) => `ok      ${name}: plugin.wasm is what its sources build`),
  );
});

Deno.test("build-plugins: builds a repository, and --check catches a stale module", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "rungpt-build-plugins-test-" });
  try {
    const { dir } = await newPlugin("hello", { dir: join(tmp, "hello") });
    const built = await task(dir);
    assert.equal(built.code, 0, built.out + built.err);
    assert.match(built.out, /^built {3}hello \(assemblyscript\): \d+ bytes, changed: commit it\n$/);
    const again = await task(dir);
    assert.match(again.out, /^built {3}hello \(assemblyscript\): \d+ bytes, unchanged\n$/);
    assert.equal((await task("--check", dir)).code, 0);

    const wasm = join(dir, "plugin.wasm");
    await Deno.writeFile(wasm, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    const stale = await task("--check", dir);
    assert.equal(stale.code, 1, stale.out + stale.err);
    assert.equal(
      stale.out,
      "stale   hello: plugin.wasm differs from what its sources build; run deno task build-plugins\n",
    );
    // --check writes nothing.
    assert.deepEqual([...await Deno.readFile(wasm)], [0, 97, 115, 109, 1, 0, 0, 0]);

    const empty = join(tmp, "empty");
    await Deno.mkdir(empty);
    const skipped = await task("--check", empty);
    assert.equal(skipped.code, 0);
    assert.equal(skipped.out, `skip    ${empty}: no assembly/index.ts and no build.sh\n`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
