/**
 * Runs the built plugin in rungpt's real sandbox through `rungpt plugin run`, without the
 * internet: what is decided before the rates service is asked (arguments, the host allow-list),
 * and conversions answered from the sample responses in testdata/, served on 127.0.0.1 and
 * granted for that run only (`--allow-host`). Build first with `./build.sh` (clang and lld), then:
 *
 *     RUNGPT_CMD="rungpt" deno test --allow-run --allow-read --allow-net=127.0.0.1 plugin_test.ts
 *
 * RUNGPT_CMD is how to start rungpt, e.g. "deno run -A /path/to/rungpt/main.ts" from a
 * checkout (default "rungpt").
 * @module
 */
const root = new URL(".", import.meta.url).pathname;
const cmd = (Deno.env.get("RUNGPT_CMD") ?? "rungpt").split(/\s+/).filter(Boolean);

/** Runs `rungpt plugin run <this repo> convert <args>`; returns exit code, stdout, stderr. */
async function convert(args: unknown, ...flags: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(cmd[0], {
    args: [...cmd.slice(1), "plugin", "run", root, "convert", JSON.stringify(args), ...flags],
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

function expectError(r: { code: number; err: string }, part: string): void {
  if (r.code !== 1 || !r.err.includes(part)) {
    throw new Error(
      `expected exit 1 and an error with ${JSON.stringify(part)}, got ${r.code}: ${r.err}`,
    );
  }
}

/** Serves testdata/latest_<from>_<to>.json for `/latest?from=…&to=…`, else a 404. */
function serveSamples(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const q = new URL(req.url).searchParams;
    const name = `latest_${q.get("from")}_${q.get("to")}.json`.toLowerCase();
    if (!/^latest_[a-z]{3}_[a-z]{3}\.json$/.test(name)) return new Response("bad", { status: 400 });
    try {
      return new Response(await Deno.readTextFile(`${root}testdata/${name}`), {
        headers: { "content-type": "application/json" },
      });
    } catch {
      return new Response(await Deno.readTextFile(`${root}testdata/not_found.json`), {
        status: 404,
        headers: { "content-type": "application/json" },
      });
    }
  });
}

/** Runs `convert` against the sample server, granted for this run only. */
async function convertLocally(args: unknown) {
  const server = serveSamples();
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    return await convert(
      args,
      "--allow-host",
      host,
      "--allow-private-network",
      "--config",
      `rates_url=http://${host}/latest`,
    );
  } finally {
    await server.shutdown();
  }
}

Deno.test("convert: codes are three capital letters (checked before the plugin runs)", async () => {
  expectError(
    await convert({ amount: 1, from: "eur", to: "USD" }),
    "invalid arguments: arguments.from",
  );
});

Deno.test("convert: the rates_url setting cannot leave the listed host", async () => {
  const r = await convert(
    { amount: 1, from: "EUR", to: "USD" },
    "--config",
    "rates_url=http://127.0.0.1:9/latest",
    "--allow-private-network",
  );
  expectError(r, "host 127.0.0.1:9 is not allowed");
});

Deno.test("convert: 10 EUR in USD, from a sample answer", async () => {
  const r = await convertLocally({ amount: 10, from: "EUR", to: "USD" });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  expectEqual(JSON.parse(r.out), {
    amount: 10,
    from: "EUR",
    to: "USD",
    rate: 1.0832,
    result: 10.83,
    date: "2026-12-04",
  });
});

Deno.test("convert: decimals in, cents out", async () => {
  const r = await convertLocally({ amount: 2.5, from: "USD", to: "JPY" });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  expectEqual(JSON.parse(r.out).result, 378.18);
});

Deno.test("convert: a currency the service does not know is a clear error", async () => {
  expectError(
    await convertLocally({ amount: 1, from: "EUR", to: "XXX" }),
    "does not know one of these currencies",
  );
});

Deno.test("convert: the same currency needs no request", async () => {
  // No server and no granted host: the answer cannot have come from the network.
  const r = await convert({ amount: 7, from: "EUR", to: "EUR" });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  expectEqual(JSON.parse(r.out), {
    amount: 7,
    from: "EUR",
    to: "EUR",
    rate: 1,
    result: 7,
    date: null,
  });
});
