/**
 * Runs the built plugin in rungpt's real sandbox through `rungpt plugin run`, without the
 * internet: these tests cover what is decided before Open-Meteo is asked (arguments, settings,
 * the host allow-list). Build first: `rungpt plugin build .`, or without rungpt
 *
 *     deno run --node-modules-dir=none --allow-read --allow-write --allow-env build.ts
 *
 * then:
 *
 *     RUNGPT_CMD="rungpt" deno test --allow-run --allow-env --allow-read plugin_test.ts
 *
 * RUNGPT_CMD is how to start rungpt, e.g. "deno run -A /path/to/rungpt/main.ts" from a
 * checkout (default "rungpt"). rungpt's own tests run both actions against recorded Open-Meteo
 * responses (tests/integration/example_weather_test.ts).
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

function expectError(r: { code: number; err: string }, part: string): void {
  if (r.code !== 1 || !r.err.includes(part)) {
    throw new Error(
      `expected exit 1 and an error with ${JSON.stringify(part)}, got ${r.code}: ${r.err}`,
    );
  }
}

Deno.test("current: a place is required", async () => {
  expectError(await run("current", { place: " " }), '"place" is required');
});

Deno.test("forecast: days must be from 1 to 7", async () => {
  // rungpt checks the arguments against the action's schema before the plugin runs.
  expectError(
    await run("forecast", { place: "Berlin", days: 9 }),
    "invalid arguments: arguments.days: must be ≤ 7",
  );
});

Deno.test("the endpoint settings cannot leave Open-Meteo's hosts", async () => {
  const r = await run(
    "current",
    { place: "Berlin" },
    "--config",
    "geocoding_url=http://127.0.0.1:9/v1/search",
    "--allow-private-network",
  );
  expectError(r, "host 127.0.0.1:9 is not allowed");
});
