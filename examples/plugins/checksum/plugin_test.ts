/**
 * Runs the built plugin's actions in rungpt's real sandbox through `rungpt plugin run`.
 * Build first (`./build.sh`), then:
 *
 *     RUNGPT_CMD="rungpt" deno test --allow-run --allow-env --allow-read plugin_test.ts
 *
 * RUNGPT_CMD is how to start rungpt, e.g. "deno run -A /path/to/rungpt/main.ts" from a
 * checkout (default "rungpt").
 * @module
 */
const root = new URL(".", import.meta.url).pathname;
const cmd = (Deno.env.get("RUNGPT_CMD") ?? "rungpt").split(/\s+/).filter(Boolean);

/** Runs `rungpt plugin run <this repo> <action> <args>`; returns exit code, stdout, stderr. */
async function run(action: string, args: unknown, ...flags: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(cmd[0], {
    args: [...cmd.slice(1), "plugin", "run", root, action, JSON.stringify(args), ...flags],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout).trim(), err: dec.decode(stderr).trim() };
}

function expectEqual(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

const HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

Deno.test("digest: SHA-256 by default", async () => {
  const r = await run("digest", { text: "hello" });
  expectEqual([r.code, JSON.parse(r.out)], [0, {
    algorithm: "sha256",
    bytes: 5,
    hex: HELLO_SHA256,
  }]);
});

Deno.test("digest: the default_algorithm setting picks the checksum", async () => {
  const r = await run("digest", { text: "123456789" }, "--config", "default_algorithm=crc32");
  expectEqual(JSON.parse(r.out), { algorithm: "crc32", bytes: 9, hex: "cbf43926" });
});

Deno.test("hexdump: the lines hexdump -C prints", async () => {
  const r = await run("hexdump", { text: "Hi!" });
  expectEqual(r.out, "00000000  48 69 21                                          |Hi!|\n3 bytes");
});

Deno.test("digest: an unknown algorithm is refused before the plugin runs", async () => {
  const r = await run("digest", { text: "x", algorithm: "md5" });
  expectEqual(r.code, 1);
  if (!r.err.includes("invalid arguments: arguments.algorithm")) {
    throw new Error(`unexpected error: ${r.err}`);
  }
});
