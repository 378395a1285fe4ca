/**
 * examples/plugins/weather against recorded Open-Meteo responses served on 127.0.0.1
 * (tests/fixtures/open-meteo/server.ts), never the internet.
 *
 * The real manifest allows only Open-Meteo's two hosts. The tests grant the local server on top,
 * as `rungpt plugin run --allow-host` does (`withTestHosts`), with the private-network grant,
 * and point the plugin at it through its `geocoding_url` / `forecast_url` settings; the install
 * from git commits a manifest that lists it. That the
 * real manifest refuses the same settings (the allow-list still applies) is tested too.
 *
 * Covered: both actions in metric and imperial units, the language setting, UTF-8 query
 * encoding, an unknown place, a failing service (503, timeout, 400, truncated JSON), redirects
 * (to an allowed host: followed; to another host: refused), a non-allowed host set through the
 * config, the committed plugin.wasm being what its sources build to; and, installed with
 * `deno task install-plugin` from a local bare git repository, one chat turn per action mode
 * (tags and native) with the scripted model, the weather reaching the model's next request.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTestHosts } from "../../lib/plugins/authoring/run.ts";
import { sdkFiles } from "../../lib/plugins/authoring/sdk.ts";
import { TEMPLATE_DIR } from "../../lib/plugins/authoring/scaffold.ts";
import { type Manifest, parseManifest } from "../../lib/plugins/manifest.ts";
import type { LogEntry, PluginLimits } from "../../lib/plugins/registry.ts";
import { callAction, loadPlugin, PluginError } from "../../lib/plugins/runtime.ts";
import { createGitFixtures, type FileMap } from "../support/git_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import {
  FOREIGN_HOST,
  type Mode,
  type OpenMeteoServer,
  startOpenMeteo,
} from "../fixtures/open-meteo/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLE = join(ROOT, "examples/plugins/weather");
const REAL_HOSTS = "      - geocoding-api.open-meteo.com\n      - api.open-meteo.com\n";

/**
 * The example's rungpt.yaml with the local server added to its hosts, for the install from git
 * (an installed plugin has no test-only grant).
 */
async function testManifestText(om: OpenMeteoServer): Promise<string> {
  const text = await Deno.readTextFile(join(EXAMPLE, "rungpt.yaml"));
  assert.ok(text.includes(REAL_HOSTS), "rungpt.yaml no longer lists the two Open-Meteo hosts");
  return text.replace(REAL_HOSTS, `${REAL_HOSTS}      - "${om.host}"\n`);
}

/** The example's manifest with the local server granted as `rungpt plugin run --allow-host` does. */
async function testManifest(om: OpenMeteoServer): Promise<Manifest> {
  const real = parseManifest(await Deno.readTextFile(join(EXAMPLE, "rungpt.yaml")));
  return withTestHosts(real, [om.host]);
}

/** Settings pointing the plugin at the local server (optionally in a misbehaving mode). */
function endpoints(om: OpenMeteoServer, geocoding?: Mode, forecast?: Mode) {
  return {
    geocoding_url: om.url("/v1/search", geocoding),
    forecast_url: om.url("/v1/forecast", forecast),
  };
}

interface Loaded {
  call(action: string, args: unknown): Promise<unknown>;
  /** The message of a failed call (kind plugin_error). */
  fails(action: string, args: unknown): Promise<string>;
  logs: LogEntry[];
  close(): Promise<void>;
}

/** Loads the committed module with `manifest`, the given settings and grants. */
async function load(
  manifest: Manifest,
  config: Record<string, unknown>,
  opts: { allowPrivateNetwork?: boolean; limits?: Partial<PluginLimits> } = {},
): Promise<Loaded> {
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-weather-data-" });
  const logs: LogEntry[] = [];
  const plugin = await loadPlugin({
    wasm: await Deno.readFile(join(EXAMPLE, "plugin.wasm")),
    manifest,
    grants: { apis: manifest.apis, allowPrivateNetwork: opts.allowPrivateNetwork ?? true },
    dataDir,
    config,
    limits: opts.limits,
    onLog: (e) => logs.push(e),
  });
  return {
    call: async (action, args) =>
      JSON.parse(await callAction(plugin, action, JSON.stringify(args))),
    fails: async (action, args) => {
      const e = await callAction(plugin, action, JSON.stringify(args)).then(() => null, (e) => e);
      assert.ok(e instanceof PluginError && e.kind === "plugin_error", `${action}: ${e}`);
      return e.message;
    },
    logs,
    close: async () => {
      await plugin.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

const BERLIN_METRIC = {
  place: "Berlin, Land Berlin, Germany",
  latitude: 52.52437,
  longitude: 13.41053,
  timezone: "Europe/Berlin",
  time: "2025-01-15T14:00",
  weather: "Overcast",
  temperature: 3.4,
  feels_like: -0.6,
  humidity: 78,
  wind_speed: 14.8,
  wind_from: "WSW",
  units: { temperature: "°C", humidity: "%", wind_speed: "km/h" },
};

const SAO_PAULO_HEAD = {
  place: "São Paulo, Brazil",
  latitude: -23.5475,
  longitude: -46.63611,
  timezone: "America/Sao_Paulo",
};

// The committed plugin.wasm is checked against its sources by build_plugins_test.ts.
Deno.test("weather: the vendored SDK and build script are up to date", async () => {
  for (const [rel, content] of Object.entries(await sdkFiles())) {
    assert.equal(await Deno.readTextFile(join(EXAMPLE, rel)), content, `${rel} differs from sdk/`);
  }
  assert.equal(
    await Deno.readTextFile(join(EXAMPLE, "build.ts")),
    await Deno.readTextFile(join(TEMPLATE_DIR, "build.ts")),
  );
});

Deno.test("weather: the repository's recorded responses are rungpt's", async () => {
  for await (const e of Deno.readDir(join(EXAMPLE, "testdata"))) {
    assert.equal(
      await Deno.readTextFile(join(EXAMPLE, "testdata", e.name)),
      await Deno.readTextFile(join(ROOT, "tests/fixtures/open-meteo", e.name)),
      `testdata/${e.name} differs from tests/fixtures/open-meteo/`,
    );
  }
});

Deno.test("weather: the real manifest allows only Open-Meteo's hosts", async () => {
  const manifest = parseManifest(await Deno.readTextFile(join(EXAMPLE, "rungpt.yaml")));
  assert.deepEqual(manifest.permissions.net?.hosts, [
    "geocoding-api.open-meteo.com",
    "api.open-meteo.com",
  ]);
  assert.deepEqual(manifest.apis, ["rungpt:net", "rungpt:config", "rungpt:log"]);
  assert.equal(
    manifest.config.geocoding_url.default,
    "https://geocoding-api.open-meteo.com/v1/search",
  );
  assert.equal(manifest.config.forecast_url.default, "https://api.open-meteo.com/v1/forecast");
  assert.deepEqual(manifest.actions.map((a) => a.name), ["current", "forecast"]);
});

Deno.test("weather: actions against recorded Open-Meteo responses", async (t) => {
  await using om = await startOpenMeteo();
  const manifest = await testManifest(om);
  const metric = await load(manifest, endpoints(om));
  const imperial = await load(manifest, { ...endpoints(om), units: "imperial" });
  try {
    await t.step("current, metric: the resolved place and its weather", async () => {
      assert.deepEqual(await metric.call("current", { place: "Berlin" }), BERLIN_METRIC);
      const [geo, fc] = om.requests.slice(-2);
      assert.deepEqual(geo, {
        path: "/v1/search",
        mode: null,
        query: "name=Berlin&count=1&language=en&format=json",
      });
      assert.equal(
        fc.query,
        "latitude=52.52437&longitude=13.41053&current=temperature_2m,relative_humidity_2m," +
          "apparent_temperature,weather_code,wind_speed_10m,wind_direction_10m&timezone=auto" +
          "&temperature_unit=celsius&wind_speed_unit=kmh&precipitation_unit=mm",
      );
      assert.ok(metric.logs.some((l) => l.level === "debug" && l.message.startsWith("GET http")));
    });

    await t.step("current, imperial from the setting and from the call", async () => {
      const expected = {
        ...BERLIN_METRIC,
        temperature: 38.1,
        feels_like: 30.9,
        wind_speed: 9.2,
        units: { temperature: "°F", humidity: "%", wind_speed: "mp/h" },
      };
      assert.deepEqual(await imperial.call("current", { place: "Berlin" }), expected);
      assert.match(om.requests.at(-1)!.query, /temperature_unit=fahrenheit&wind_speed_unit=mph/);
      assert.deepEqual(
        await metric.call("current", { place: "Berlin", units: "imperial" }),
        expected,
      );
      assert.deepEqual(
        await imperial.call("current", { place: "Berlin", units: "metric" }),
        BERLIN_METRIC,
      );
    });

    await t.step("forecast: days cut to the request, metric and imperial", async () => {
      assert.deepEqual(await metric.call("forecast", { place: "São Paulo", days: 2 }), {
        ...SAO_PAULO_HEAD,
        units: { temperature: "°C", precipitation: "mm", precipitation_chance: "%" },
        days: [
          {
            date: "2025-01-15",
            weather: "Thunderstorm",
            min: 19.6,
            max: 29.8,
            precipitation: 12.4,
            precipitation_chance: 85,
          },
          {
            date: "2025-01-16",
            weather: "Slight rain showers",
            min: 19.9,
            max: 28.1,
            precipitation: 3.6,
            precipitation_chance: 60,
          },
        ],
      });
      assert.match(om.requests.at(-1)!.query, /&forecast_days=2&timezone=auto&/);
      // UTF-8 percent-encoding of the name.
      assert.equal(
        om.requests.at(-2)!.query,
        "name=S%C3%A3o%20Paulo&count=1&language=en&format=json",
      );

      const week = await imperial.call("forecast", { place: "São Paulo", days: 7 }) as {
        units: unknown;
        days: Record<string, unknown>[];
      };
      assert.deepEqual(week.units, {
        temperature: "°F",
        precipitation: "inch",
        precipitation_chance: "%",
      });
      assert.equal(week.days.length, 7);
      assert.deepEqual(week.days[3], {
        date: "2025-01-18",
        weather: "Overcast",
        min: 65.7,
        max: 82.2,
        precipitation: 0,
        precipitation_chance: 10,
      });
      // Open-Meteo has no chance of precipitation for the last day: null, not a made-up 0.
      assert.deepEqual(week.days[6], {
        date: "2025-01-21",
        weather: "Thunderstorm with slight hail",
        min: 66,
        max: 80.6,
        precipitation: 0.594,
        precipitation_chance: null,
      });
      assert.match(om.requests.at(-1)!.query, /&forecast_days=7&.*precipitation_unit=inch$/);

      const three = await metric.call("forecast", { place: "São Paulo" }) as { days: unknown[] };
      assert.equal(three.days.length, 3, "3 days by default");
    });

    await t.step("the README's example outputs are what the plugin returns", async () => {
      const readme = await Deno.readTextFile(join(EXAMPLE, "README.md"));
      const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
      assert.equal(blocks.length, 2);
      assert.deepEqual(blocks[0], await metric.call("current", { place: "Berlin" }));
      assert.deepEqual(
        blocks[1],
        await imperial.call("forecast", { place: "São Paulo", days: 2 }),
      );
    });

    await t.step("the language setting names the place in that language", async () => {
      const de = await load(manifest, { ...endpoints(om), language: "de" });
      try {
        assert.deepEqual(await de.call("current", { place: "Zürich" }), {
          place: "Zürich, Schweiz",
          latitude: 47.36667,
          longitude: 8.55,
          timezone: "Europe/Zurich",
          time: "2025-01-15T14:00",
          weather: "Moderate snowfall",
          temperature: -1.2,
          feels_like: -4.5,
          humidity: 93,
          wind_speed: 6.1,
          wind_from: "N",
          units: { temperature: "°C", humidity: "%", wind_speed: "km/h" },
        });
        assert.equal(
          om.requests.at(-2)!.query,
          "name=Z%C3%BCrich&count=1&language=de&format=json",
        );
      } finally {
        await de.close();
      }
      const bad = await load(manifest, { ...endpoints(om), language: "english" });
      try {
        assert.match(
          await bad.fails("current", { place: "Berlin" }),
          /the language setting must be a two-letter code such as en, de or fr, not "english"/,
        );
      } finally {
        await bad.close();
      }
    });

    await t.step("an unknown place and bad arguments are clear errors", async () => {
      const before = om.requests.length;
      assert.match(
        await metric.fails("current", { place: "Xyzzyville" }),
        /No place called 'Xyzzyville' was found/,
      );
      assert.equal(om.requests.length, before + 1, "no forecast is asked for");
      assert.match(
        await metric.fails("forecast", { place: "Xyzzyville", days: 1 }),
        /No place called 'Xyzzyville' was found/,
      );
      assert.match(await metric.fails("current", {}), /"place" is required/);
      assert.match(await metric.fails("current", { place: "  " }), /"place" is required/);
      assert.match(await metric.fails("current", { place: "x".repeat(201) }), /too long/);
      for (const days of [0, 8, 2.5, "3"]) {
        assert.match(
          await metric.fails("forecast", { place: "Berlin", days }),
          /"days" must be a whole number from 1 to 7/,
        );
      }
      assert.match(
        await metric.fails("current", { place: "Berlin", units: "kelvin" }),
        /units must be "metric" or "imperial", not "kelvin"/,
      );
    });

    assert.deepEqual(om.problems, []);
  } finally {
    await metric.close();
    await imperial.close();
  }
});

Deno.test("weather: a failing or misbehaving service gives clear errors", async (t) => {
  await using om = await startOpenMeteo();
  const manifest = await testManifest(om);
  const withSettings = async (
    config: Record<string, unknown>,
    fn: (p: Loaded) => Promise<void>,
  ) => {
    const p = await load(manifest, config, { limits: { httpTimeoutMs: 300 } });
    try {
      await fn(p);
    } finally {
      await p.close();
    }
  };
  await t.step("HTTP 503 from geocoding or forecast", async () => {
    await withSettings(endpoints(om, "unavailable"), async (p) => {
      assert.match(
        await p.fails("current", { place: "Berlin" }),
        /^plugin weather: Open-Meteo is not answering \(503\); try again later$/,
      );
    });
    await withSettings(endpoints(om, undefined, "unavailable"), async (p) => {
      assert.match(
        await p.fails("forecast", { place: "Berlin" }),
        /Open-Meteo is not answering \(503\); try again later/,
      );
    });
  });
  await t.step("no answer in time", async () => {
    await withSettings(endpoints(om, "hang"), async (p) => {
      assert.match(
        await p.fails("current", { place: "Berlin" }),
        /Open-Meteo is not answering \(timed out\); try again later/,
      );
    });
  });
  await t.step("HTTP 400 with Open-Meteo's reason", async () => {
    await withSettings(endpoints(om, undefined, "bad-request"), async (p) => {
      assert.match(
        await p.fails("current", { place: "Berlin" }),
        /Open-Meteo refused the request \(400\): Latitude must be in range of -90 to 90°/,
      );
    });
  });
  await t.step("truncated JSON is a malformed response", async () => {
    await withSettings(endpoints(om, "truncated"), async (p) => {
      assert.match(
        await p.fails("current", { place: "Berlin" }),
        /Open-Meteo sent a malformed response: invalid JSON/,
      );
    });
    await withSettings(endpoints(om, undefined, "truncated"), async (p) => {
      assert.match(
        await p.fails("forecast", { place: "São Paulo", days: 2 }),
        /Open-Meteo sent a malformed response: invalid JSON/,
      );
    });
  });
  await t.step("a response without the expected fields is a malformed response", async () => {
    await withSettings(endpoints(om, undefined, "incomplete"), async (p) => {
      assert.match(
        await p.fails("current", { place: "Berlin" }),
        /Open-Meteo sent a malformed response: "current\.temperature_2m" is missing/,
      );
      assert.match(
        await p.fails("forecast", { place: "São Paulo" }),
        /Open-Meteo sent a malformed response: "daily\.temperature_2m_max" is missing/,
      );
    });
  });
  await t.step("a redirect on an allowed host is followed", async () => {
    await withSettings(endpoints(om, "moved", "moved"), async (p) => {
      assert.deepEqual(await p.call("current", { place: "Berlin" }), BERLIN_METRIC);
    });
  });
  await t.step("a redirect to a host that is not allowed is refused", async () => {
    await withSettings(endpoints(om, "redirect-away"), async (p) => {
      const message = await p.fails("current", { place: "Berlin" });
      assert.match(message, /the request was refused: /);
      assert.ok(message.includes(`host ${FOREIGN_HOST} is not allowed`), message);
    });
  });
  assert.deepEqual(om.problems, []);
});

Deno.test("weather: settings cannot point the real plugin anywhere else", async () => {
  await using om = await startOpenMeteo();
  const real = parseManifest(await Deno.readTextFile(join(EXAMPLE, "rungpt.yaml")));
  // The real manifest, even with the private-network grant: 127.0.0.1 is not an allowed host.
  const p = await load(real, endpoints(om));
  try {
    const message = await p.fails("current", { place: "Berlin" });
    assert.match(message, /the request was refused: /);
    assert.ok(
      message.includes(
        `host ${om.host} is not allowed (allowed: ` +
          "geocoding-api.open-meteo.com, api.open-meteo.com)",
      ),
      message,
    );
    assert.match(
      await p.fails("current", { place: "Berlin", units: "metric" }),
      /is not allowed/,
    );
  } finally {
    await p.close();
  }
  const other = await load(real, { geocoding_url: "https://evil.example.net/v1/search" });
  try {
    assert.match(
      await other.fails("current", { place: "Berlin" }),
      /host evil\.example\.net is not allowed/,
    );
  } finally {
    await other.close();
  }
  const scheme = await load(real, { forecast_url: "file:///etc/passwd" });
  try {
    assert.match(
      await scheme.fails("current", { place: "Berlin" }),
      /the forecast_url setting must be an http\(s\) URL/,
    );
  } finally {
    await scheme.close();
  }
  // The test manifest without the private-network grant: the loopback address is refused.
  const ungranted = await load(await testManifest(om), endpoints(om), {
    allowPrivateNetwork: false,
  });
  try {
    assert.match(
      await ungranted.fails("current", { place: "Berlin" }),
      /resolves to the private address 127\.0\.0\.1; private networks were not granted/,
    );
  } finally {
    await ungranted.close();
  }
  assert.deepEqual(om.requests, [], "nothing reached the server");
});

/** Every file of the example, with the test manifest in place of rungpt.yaml. */
async function exampleFiles(om: OpenMeteoServer, dir = EXAMPLE, prefix = ""): Promise<FileMap> {
  const files: FileMap = {};
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) Object.assign(files, await exampleFiles(om, join(dir, e.name), `${rel}/`));
    else if (e.isFile) files[rel] = await Deno.readFile(join(dir, e.name));
  }
  if (!prefix) files["rungpt.yaml"] = await testManifestText(om);
  return files;
}

/** Runs `deno task install-plugin … --yes --allow-private-network` into the server's dirs. */
async function installWithTask(rg: TestRungpt, gitBase: string): Promise<string> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "install-plugin", "examples/weather", "--yes", "--allow-private-network"],
    cwd: ROOT,
    env: {
      RUNGPT_GIT_BASE: gitBase,
      RUNGPT_PLUGINS_DIR: rg.pluginsDir,
      RUNGPT_DATA_DIR: rg.dataDir,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  assert.ok(res.success, `install-plugin failed:\n${text}`);
  return text;
}

async function put(rg: TestRungpt, path: string, json: unknown): Promise<void> {
  const res = await rg.api(path, { method: "PUT", json });
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
}

/** Posts a user message and waits until the turn has ended. */
async function chat(rg: TestRungpt, content: string): Promise<void> {
  const conv = await rg.api("/api/conversations", { method: "POST", json: {} });
  assert.equal(conv.status, 201);
  const { id } = await conv.json();
  const sent = await rg.api(`/api/conversations/${id}/messages`, {
    method: "POST",
    json: { content },
  });
  assert.equal(sent.status, 202, await sent.clone().text());
  await sent.body?.cancel();
  await (await rg.api(`/api/conversations/${id}/events`)).text();
}

Deno.test("weather: installed from git with the task, called by the model in tags and native mode", async () => {
  await using om = await startOpenMeteo();
  await using git = await createGitFixtures();
  const repo = await git.createRepo("examples", "weather");
  await repo.commit(await exampleFiles(om), { tags: ["v1.0.0"] });
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model, env: { RUNGPT_GIT_BASE: git.base } });

  const output = await installWithTask(rg, git.base);
  assert.match(output, /installed weather 1\.0\.0 \(v1\.0\.0, [0-9a-f]{12}\)/);
  assert.ok(
    output.includes(
      `network:  geocoding-api.open-meteo.com, api.open-meteo.com, ${om.host} + private/loopback addresses`,
    ),
    output,
  );
  await put(rg, "/api/plugins/weather/config", { values: endpoints(om) });

  // Tag mode: the model writes an action tag; the weather goes back in the next request.
  await put(rg, "/api/settings", { actionMode: "tags" });
  model.enqueue(
    { text: 'Let me look.\n<action name="weather.current">{"place":"Berlin"}</action>' },
    { text: "It is 3.4 °C and overcast in Berlin." },
  );
  await chat(rg, "What's the weather in Berlin?");
  let requests = model.chatRequests();
  assert.equal(requests.length, 2);
  assert.match(JSON.stringify(requests[0].body.messages), /weather\.current/, "offered");
  const tagResult = requests[1].body.messages.at(-1);
  assert.equal(tagResult.role, "user");
  assert.match(tagResult.content, /<action_result name="weather\.current">/);
  assert.ok(tagResult.content.includes(JSON.stringify(BERLIN_METRIC)), tagResult.content);

  // Native mode, imperial units set through the API: a forecast as a tool call.
  await put(rg, "/api/plugins/weather/config", { values: { ...endpoints(om), units: "imperial" } });
  await put(rg, "/api/settings", { actionMode: "native" });
  model.enqueue(
    {
      toolCalls: [{
        name: "weather__forecast",
        arguments: JSON.stringify({ place: "São Paulo", days: 1 }),
        id: "call_fc",
      }],
    },
    { text: "Thunderstorms, up to 85.6 °F." },
  );
  await chat(rg, "Forecast for São Paulo today, in Fahrenheit.");
  requests = model.chatRequests().slice(2);
  assert.equal(requests.length, 2);
  const tools = requests[0].body.tools.map((t: { function: { name: string } }) => t.function.name);
  assert.deepEqual(tools.sort(), ["weather__current", "weather__forecast"]);
  const toolResult = requests[1].body.messages.at(-1);
  assert.equal(toolResult.role, "tool");
  assert.equal(toolResult.tool_call_id, "call_fc");
  assert.deepEqual(JSON.parse(toolResult.content), {
    ...SAO_PAULO_HEAD,
    units: { temperature: "°F", precipitation: "inch", precipitation_chance: "%" },
    days: [{
      date: "2025-01-15",
      weather: "Thunderstorm",
      min: 67.3,
      max: 85.6,
      precipitation: 0.488,
      precipitation_chance: 85,
    }],
  });
  assert.deepEqual(om.problems, []);
});
