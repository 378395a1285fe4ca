/**
 * Runs the built plugin's actions in rungpt's real sandbox through `rungpt plugin run`.
 * Build first: `rungpt plugin build .`, or without rungpt
 *
 *     deno run --node-modules-dir=none --allow-read --allow-write --allow-env build.ts
 *
 * then:
 *
 *     RUNGPT_CMD="rungpt" deno test --allow-run --allow-env --allow-read plugin_test.ts
 *
 * RUNGPT_CMD is how to start rungpt, e.g. "deno run -A /path/to/rungpt/main.ts" from a
 * checkout (default "rungpt").
 * @module
 */
const root = new URL(".", import.meta.url).pathname;
const cmd = (Deno.env.get("RUNGPT_CMD") ?? "rungpt").split(/\s+/).filter(
  Boolean,
);

/** Runs `rungpt plugin run <this repo> <action> <args>`; returns exit code, stdout, stderr. */
async function run(action: string, args: unknown, ...flags: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(cmd[0], {
    args: [
      ...cmd.slice(1),
      "plugin",
      "run",
      root,
      action,
      JSON.stringify(args),
      ...flags,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code,
    out: dec.decode(stdout).trim(),
    err: dec.decode(stderr).trim(),
  };
}

function expectEqual(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

Deno.test("uppercase, with the tr locale from the settings", async () => {
  const r = await run(
    "uppercase",
    { text: "istanbul" },
    "--config",
    "locale=tr",
  );
  expectEqual(JSON.parse(r.out), { result: "İSTANBUL" });
});

Deno.test("replace with groups", async () => {
  const r = await run("replace", {
    text: "2024-01-15",
    pattern: "(\\d+)-(\\d+)-(\\d+)",
    replacement: "$3.$2.$1",
  });
  expectEqual(JSON.parse(r.out), { result: "15.01.2024", count: 1 });
});

Deno.test("base64_decode: invalid input is a clear error", async () => {
  const r = await run("base64_decode", { text: "%%%" });
  expectEqual(r.code, 1);
  if (!r.err.includes("invalid base64")) {
    throw new Error(`unexpected error: ${r.err}`);
  }
});
