/**
 * Runs the built plugin in rungpt's real sandbox through `rungpt plugin run`, without the
 * internet: what is decided before Open-Meteo is asked (arguments, settings, the host
 * allow-list), and one call answered from the recorded Open-Meteo responses in testdata/,
 * served on 127.0.0.1 and granted for that run only (`--allow-host`). Build first:
 * `rungpt plugin build .`, or without rungpt
 *
 *     deno run --node-modules-dir=none --allow-read --allow-write --allow-env build.ts
 *
 * then:
 *
 *     RUNGPT_CMD="rungpt" deno test --allow-run --allow-env --allow-read --allow-net=127.0.0.1 plugin_test.ts
 *
 * RUNGPT_CMD is how to start rungpt, e.g. "deno run -A /path/to/rungpt/main.ts" from a
 * checkout (default "rungpt"). rungpt's own tests run both actions against many more recorded
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

function expectEqual(actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
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

/** Serves testdata/'s recorded Open-Meteo answers for Berlin on 127.0.0.1, at any port. */
function serveRecorded(): Deno.HttpServer<Deno.NetAddr> {
  const files: Record<string, string> = {
    "/v1/search": "geocoding_berlin_en.json",
    "/v1/forecast": "forecast_current_berlin_metric.json",
  };
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const file = files[new URL(req.url).pathname];
      if (!file) return new Response("not found", { status: 404 });
      return new Response(await Deno.readTextFile(`${root}testdata/${file}`), {
        headers: { "content-type": "application/json" },
      });
    },
  );
}

Deno.test("current: Berlin, from recorded Open-Meteo responses", async () => {
  const server = serveRecorded();
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    // The local server is not in rungpt.yaml: --allow-host grants it for this run only, and
    // --allow-private-network lets the request reach a loopback address.
    const r = await run(
      "current",
      { place: "Berlin" },
      "--allow-host",
      host,
      "--allow-private-network",
      "--config",
      `geocoding_url=http://${host}/v1/search`,
      "--config",
      `forecast_url=http://${host}/v1/forecast`,
    );
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
    const out = JSON.parse(r.out);
    expectEqual(
      [out.place, out.weather, out.temperature, out.units.temperature],
      ["Berlin, Land Berlin, Germany", "Overcast", 3.4, "°C"],
    );
  } finally {
    await server.shutdown();
  }
});
