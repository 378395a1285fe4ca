/**
 * The plugin manager's JSON API over real HTTP, with real git (local bare repos with tags)
 * and a real wasm module compiled from tests/fixtures/wasm/settings: install jobs with
 * consent (allow, deny), a bad manifest, enable/disable, settings (secrets never echoed), quota,
 * updates that ask again only for more, and removal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { createGitFixtures, type FileMap, snapshotDir } from "../support/git_fixtures.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { buildFixture } from "../support/wasm_fixtures.ts";
import { readSse } from "../support/sse.ts";
import { readLockfile, sha256Hex } from "../../lib/plugins/lockfile.ts";
import { DEFAULT_QUOTA } from "../../lib/plugins/host/quota.ts";
import type { PluginView, SettingView } from "../../lib/plugins/views.ts";

/** A test plugin on the `settings` fixture module (exports get, state_set, …; links rungpt:config). */
function weatherFiles(wasm: Uint8Array, overrides: Record<string, unknown> = {}): FileMap {
  const manifest = {
    name: "weather",
    version: "1.0.0",
    description: "Reads its settings.",
    wasm: "plugin.wasm",
    apis: ["rungpt:config"],
    config: {
      units: { type: "string", description: "Units to use.", default: "metric" },
      api_token: { type: "string", description: "Token for the service.", secret: true },
    },
    actions: [
      { name: "get", description: "Reads a setting." },
      { name: "state_set", description: "Stores a value.", confirm: true },
    ],
    ...overrides,
  };
  return { "rungpt.yaml": stringify(manifest), "plugin.wasm": wasm };
}

type SseEvent = { event: string; data: Record<string, unknown> };

/** Reads an SSE response one event at a time (the stream stays open while a job waits). */
async function* sseEvents(res: Response): AsyncGenerator<SseEvent> {
  for await (const { event, data } of readSse(res)) yield { event, data: JSON.parse(data) };
}

/**
 * Starts a job and follows it to the end, answering a consent question with `allow`
 * (a consent question with `allow` undefined fails the test). Returns every event.
 */
async function runJob(
  rg: TestRungpt,
  body: Record<string, unknown>,
  allow?: boolean,
): Promise<SseEvent[]> {
  const started = await rg.api("/api/plugins/jobs", { method: "POST", json: body });
  assert.equal(started.status, 202);
  const { jobId } = await started.json();
  assert.equal(typeof jobId, "string");
  const res = await rg.api(`/api/plugins/jobs/${jobId}/events`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const seen: SseEvent[] = [];
  for await (const ev of sseEvents(res)) {
    seen.push(ev);
    if (ev.event === "consent") {
      assert.notEqual(allow, undefined, "the job asked for consent unexpectedly");
      const answer = await rg.api(`/api/plugins/jobs/${jobId}/consent`, {
        method: "POST",
        json: { allow },
      });
      assert.equal(answer.status, 200);
      await answer.body?.cancel();
    }
  }
  const last = seen.at(-1);
  assert(last && (last.event === "done" || last.event === "error"), "the job ended");
  return seen;
}

async function getJson(rg: TestRungpt, path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await rg.api(path, init);
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

function consentOf(events: SseEvent[]) {
  return events.find((e) => e.event === "consent")?.data.summary as
    | Record<string, unknown>
    | undefined;
}

Deno.test("plugins API: install with consent, settings, enable, update, remove", async (t) => {
  const wasm = await buildFixture("settings");
  await using git = await createGitFixtures();
  const repo = await git.createRepo("acme", "weather");
  await repo.commit(weatherFiles(wasm), { tags: ["v1.0.0"] });
  const bad = await git.createRepo("acme", "broken");
  await bad.commit(weatherFiles(wasm, { name: "broken", version: "one" }), { tags: ["v1.0.0"] });
  await using rg = await startRungpt({ env: { RUNGPT_GIT_BASE: git.base } });
  const lockPath = join(rg.pluginsDir, "rungpt.lock.json");
  const SECRET = "tok-s3cret-value-42";

  await t.step(
    "denying consent installs nothing and leaves the plugins dir as it was",
    async () => {
      const before = await snapshotDir(rg.pluginsDir);
      const events = await runJob(rg, { action: "install", spec: "acme/weather" }, false);
      const summary = consentOf(events);
      assert(summary, "the job asked for consent");
      assert.deepEqual(summary.apis, ["rungpt:config"]);
      assert.deepEqual(summary.secrets, ["api_token"]);
      const last = events.at(-1)!;
      assert.equal(last.event, "error");
      assert.match(String(last.data.message), /not confirmed/);
      assert.deepEqual(await snapshotDir(rg.pluginsDir), before);
      assert.deepEqual((await getJson(rg, "/api/plugins")).body, { plugins: [] });
    },
  );

  await t.step("a bad manifest ends the job with an error naming the field", async () => {
    const before = await snapshotDir(rg.pluginsDir);
    const events = await runJob(rg, { action: "install", spec: "acme/broken" });
    const last = events.at(-1)!;
    assert.equal(last.event, "error");
    assert.match(String(last.data.message), /rungpt\.yaml: version: must be semver/);
    assert(!events.some((e) => e.event === "consent"), "nothing to agree to");
    assert.deepEqual(await snapshotDir(rg.pluginsDir), before);
  });

  await t.step("an invalid spec or body is refused with a clear error", async () => {
    const events = await runJob(rg, { action: "install", spec: "acme/weather@--upload-pack=x" });
    assert.equal(events.at(-1)!.event, "error");
    assert.match(String(events.at(-1)!.data.message), /ref/i);
    const res = await getJson(rg, "/api/plugins/jobs", {
      method: "POST",
      json: { action: "install" },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /spec/);
  });

  await t.step(
    "allowing consent installs it: listed, lockfile written, progress seen",
    async () => {
      const events = await runJob(rg, { action: "install", spec: "acme/weather" }, true);
      const steps = events.filter((e) => e.event === "progress").map((e) => String(e.data.step));
      assert(steps.some((s) => s.startsWith("cloning ")), steps.join(" | "));
      assert(steps.includes("validating manifest"));
      assert.deepEqual(events.at(-1), {
        event: "done",
        data: { type: "done", plugin: "weather", version: "1.0.0" },
      });
      const summary = consentOf(events)!;
      assert.equal(summary.source, "acme/weather");
      assert.equal(summary.ref, "v1.0.0");
      assert.deepEqual(
        (summary.actions as { name: string; confirm: boolean }[]).map((a) => [a.name, a.confirm]),
        [["get", false], ["state_set", true]],
      );

      const lock = JSON.parse(await Deno.readTextFile(lockPath));
      const entry = lock.plugins.weather;
      assert.equal(entry.source, "acme/weather");
      assert.equal(entry.ref, "v1.0.0");
      assert.equal(entry.version, "1.0.0");
      assert.match(entry.commit, /^[0-9a-f]{40}$/);
      assert.equal(entry.wasmSha256, await sha256Hex(wasm));

      const { body } = await getJson(rg, "/api/plugins");
      assert.equal(body.plugins.length, 1);
      const p = body.plugins[0];
      assert.equal(p.name, "weather");
      assert.equal(p.enabled, true);
      assert.equal(p.error, null);
      assert.deepEqual(p.apis, ["rungpt:config"]);
      assert.deepEqual(p.actions.map((a: { name: string }) => a.name), ["get", "state_set"]);

      const one = await getJson(rg, "/api/plugins/weather");
      assert.equal(one.status, 200);
      assert.equal(one.body.plugin.name, "weather");
      assert(Array.isArray(one.body.logs));
      assert.equal((await getJson(rg, "/api/plugins/nope")).status, 404);
    },
  );

  await t.step("disable and enable", async () => {
    const off = await getJson(rg, "/api/plugins/weather", {
      method: "PATCH",
      json: { enabled: false },
    });
    assert.equal(off.status, 200);
    assert.equal(off.body.plugin.enabled, false);
    assert.equal(JSON.parse(await Deno.readTextFile(lockPath)).plugins.weather.enabled, false);
    const actions = await rg.server.services.plugins.actions();
    assert(!actions.some((a) => a.plugin === "weather"), "a disabled plugin offers no actions");

    const on = await getJson(rg, "/api/plugins/weather", {
      method: "PATCH",
      json: { enabled: true },
    });
    assert.equal(on.body.plugin.enabled, true);
    assert((await rg.server.services.plugins.actions()).some((a) => a.plugin === "weather"));

    const badBody = await getJson(rg, "/api/plugins/weather", {
      method: "PATCH",
      json: { enabled: "yes" },
    });
    assert.equal(badBody.status, 400);
    assert.match(badBody.body.error, /enabled/);
  });

  await t.step("settings: set, secrets never echoed, clear", async () => {
    const set = await getJson(rg, "/api/plugins/weather/config", {
      method: "PUT",
      json: { values: { units: "imperial", api_token: SECRET } },
    });
    assert.equal(set.status, 200);
    assert(!set.text.includes(SECRET), "the PUT answer leaks the secret");
    const byKey = (p: PluginView): Record<string, SettingView> =>
      Object.fromEntries(p.settings.map((s) => [s.key, s]));
    let s = byKey(set.body.plugin);
    assert.equal(s.units.value, "imperial");
    assert.deepEqual([s.api_token.value, s.api_token.isSet], [null, true]);

    for (const path of ["/api/plugins", "/api/plugins/weather"]) {
      const r = await getJson(rg, path);
      assert(!r.text.includes(SECRET), `${path} leaks the secret`);
    }
    const page = await (await rg.api("/plugins")).text();
    assert(page.includes("imperial"), "the page shows the setting");
    assert(!page.includes(SECRET), "the page leaks the secret");
    // The plugin itself does see it.
    const seen = await rg.server.services.plugins.call("weather", "get", '{"key":"api_token"}');
    assert(seen.includes(SECRET), `the plugin reads its secret: ${seen}`);

    const wrong = await getJson(rg, "/api/plugins/weather/config", {
      method: "PUT",
      json: { values: { colour: "red" } },
    });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error, /colour/);

    const cleared = await getJson(rg, "/api/plugins/weather/config", {
      method: "PUT",
      json: { values: { units: null, api_token: null } },
    });
    assert.equal(cleared.status, 200);
    s = byKey(cleared.body.plugin);
    assert.equal(s.units.value, "metric", "back to the default");
    assert.deepEqual([s.api_token.value, s.api_token.isSet], [null, false]);
  });

  await t.step("quota: raised, refused when not a count, back to the default", async () => {
    assert.deepEqual(
      (await getJson(rg, "/api/plugins/weather")).body.plugin.quota,
      DEFAULT_QUOTA,
    );
    const raised = { bytes: 500 * 1024 * 1024, files: 50_000 };
    const set = await getJson(rg, "/api/plugins/weather/quota", {
      method: "PUT",
      json: { quota: raised },
    });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.plugin.quota, raised);
    assert.deepEqual((await readLockfile(rg.pluginsDir)).plugins.weather.quota, raised);
    for (const quota of [{ bytes: 0, files: 5 }, { bytes: 1.5, files: 5 }, { bytes: 5 }]) {
      const bad = await getJson(rg, "/api/plugins/weather/quota", {
        method: "PUT",
        json: { quota },
      });
      assert.equal(bad.status, 400, JSON.stringify(quota));
    }
    const missing = await getJson(rg, "/api/plugins/nope/quota", {
      method: "PUT",
      json: { quota: null },
    });
    assert.equal(missing.status, 404);
    const reset = await getJson(rg, "/api/plugins/weather/quota", {
      method: "PUT",
      json: { quota: null },
    });
    assert.deepEqual(reset.body.plugin.quota, DEFAULT_QUOTA);
    assert.equal((await readLockfile(rg.pluginsDir)).plugins.weather.quota, undefined);
  });

  await t.step("an update asking for nothing new needs no consent", async () => {
    await repo.commit(weatherFiles(wasm, { version: "1.0.1" }), { tags: ["v1.0.1"] });
    const events = await runJob(rg, { action: "update", name: "weather" });
    assert(!events.some((e) => e.event === "consent"));
    assert.deepEqual(events.at(-1)!.data, {
      type: "done",
      plugin: "weather",
      version: "1.0.1",
      previousVersion: "1.0.0",
    });
  });

  await t.step("an update asking for more asks again; denied keeps the old one", async () => {
    await repo.commit(
      weatherFiles(wasm, {
        version: "1.1.0",
        apis: ["rungpt:config", "rungpt:net"],
        permissions: { net: { hosts: ["api.weather.test"] } },
      }),
      { tags: ["v1.1.0"] },
    );
    const denied = await runJob(rg, { action: "update", name: "weather" }, false);
    const summary = consentOf(denied)!;
    const update = summary.update as { previousVersion: string; added: Record<string, unknown> };
    assert.equal(update.previousVersion, "1.0.1");
    assert.deepEqual(update.added.apis, ["rungpt:net"]);
    assert.deepEqual(update.added.hosts, ["api.weather.test"]);
    assert.equal(denied.at(-1)!.event, "error");
    let p = (await getJson(rg, "/api/plugins/weather")).body.plugin;
    assert.equal(p.version, "1.0.1");
    assert.deepEqual(p.hosts, []);

    const allowed = await runJob(rg, { action: "update", name: "weather" }, true);
    assert(consentOf(allowed));
    assert.equal(allowed.at(-1)!.data.version, "1.1.0");
    p = (await getJson(rg, "/api/plugins/weather")).body.plugin;
    assert.equal(p.version, "1.1.0");
    assert.deepEqual(p.hosts, ["api.weather.test"]);
    assert.deepEqual(p.apis, ["rungpt:config", "rungpt:net"]);
  });

  await t.step(
    "an update that would show a saved secret asks again; denied, it stays masked",
    async () => {
      await getJson(rg, "/api/plugins/weather/config", {
        method: "PUT",
        json: { values: { api_token: SECRET } },
      });
      const plain = {
        units: { type: "string", description: "Units to use.", default: "metric" },
        api_token: { type: "string", description: "Token for the service." },
      };
      await repo.commit(
        weatherFiles(wasm, {
          version: "1.2.0",
          apis: ["rungpt:config", "rungpt:net"],
          permissions: { net: { hosts: ["api.weather.test"] } },
          config: plain,
        }),
        { tags: ["v1.2.0"] },
      );
      const denied = await runJob(rg, { action: "update", name: "weather" }, false);
      const update = consentOf(denied)?.update as { unhides: string[]; needsConsent: boolean };
      assert(update, "the update asked");
      assert.deepEqual([update.unhides, update.needsConsent], [["api_token"], true]);
      assert.equal(denied.at(-1)!.event, "error");
      for (const path of ["/api/plugins", "/api/plugins/weather"]) {
        const r = await getJson(rg, path);
        assert(!r.text.includes(SECRET), `${path} leaks the secret`);
      }
      const p: PluginView = (await getJson(rg, "/api/plugins/weather")).body.plugin;
      assert.equal(p.version, "1.1.0");
      const token = p.settings.find((s) => s.key === "api_token")!;
      assert.deepEqual([token.secret, token.value, token.isSet], [true, null, true]);
    },
  );

  await t.step("a plugin's log lines are listed with it", async () => {
    const logger = await git.createRepo("acme", "logger");
    await logger.commit({
      "rungpt.yaml": stringify({
        name: "logger",
        version: "1.0.0",
        description: "Writes log lines.",
        wasm: "plugin.wasm",
        apis: ["rungpt:log"],
        actions: [{ name: "hello", description: "Logs its input." }],
      }),
      "plugin.wasm": await buildFixture("logger"),
    }, { tags: ["v1.0.0"] });
    const events = await runJob(rg, { action: "install", spec: "acme/logger" }, true);
    assert.equal(events.at(-1)!.event, "done");
    assert.deepEqual((await getJson(rg, "/api/plugins/logger")).body.logs, []);
    await rg.server.services.plugins.call(
      "logger",
      "hello",
      JSON.stringify({ level: "warn", message: "rain expected" }),
    );
    const { logs } = (await getJson(rg, "/api/plugins/logger")).body;
    assert(
      logs.some((l: { level: string; message: string }) =>
        l.level === "warn" && l.message === "rain expected"
      ),
      JSON.stringify(logs),
    );
    assert.equal((await rg.api("/api/plugins/logger", { method: "DELETE" })).status, 204);
  });

  await t.step("consent on a job that does not exist is refused", async () => {
    const res = await getJson(rg, "/api/plugins/jobs/no-such-job/consent", {
      method: "POST",
      json: { allow: true },
    });
    assert.equal(res.status, 404);
    assert.equal((await rg.api("/api/plugins/jobs/no-such-job/events")).status, 404);
  });

  await t.step("remove deletes it, its lock entry, its settings and its files", async () => {
    await getJson(rg, "/api/plugins/weather/config", {
      method: "PUT",
      json: { values: { api_token: SECRET } },
    });
    const files = join(rg.dataDir, "plugins", "weather");
    await Deno.mkdir(files, { recursive: true });
    await Deno.writeTextFile(join(files, "cache.json"), "{}");
    // "Always allow" for its confirm action: a later plugin named weather must ask again.
    const allowed = { alwaysAllowed: ["weather.state_set", "weatherman.get"] };
    assert.equal(
      (await getJson(rg, "/api/settings", { method: "PUT", json: allowed })).status,
      200,
    );
    const res = await rg.api("/api/plugins/weather", { method: "DELETE" });
    assert.equal(res.status, 204);
    const settings = (await getJson(rg, "/api/settings")).body;
    assert.deepEqual(settings.actions.alwaysAllowed, ["weatherman.get"]);
    assert.deepEqual((await getJson(rg, "/api/plugins")).body, { plugins: [] });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(lockPath)).plugins, {});
    const left = Object.keys(await snapshotDir(rg.pluginsDir));
    assert(!left.some((f) => f.startsWith("weather")), left.join(", "));
    assert(!left.some((f) => f.includes(".config/weather")), left.join(", "));
    await assert.rejects(Deno.stat(files), Deno.errors.NotFound);
    assert.equal((await rg.api("/api/plugins/weather", { method: "DELETE" })).status, 404);
  });
});

Deno.test("plugins API: an install asked for while rungpt stops is a 503, not a 500", async () => {
  await using rg = await startRungpt();
  await rg.server.services.jobs.close();
  const res = await getJson(rg, "/api/plugins/jobs", {
    method: "POST",
    json: { action: "install", spec: "acme/weather" },
  });
  assert.equal(res.status, 503);
  assert.match(res.body.error, /shutting down/);
});

Deno.test("plugins API: the catalogue, and installs from a GitHub URL and a local folder", async () => {
  const wasm = await buildFixture("settings");
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "weather")).commit(weatherFiles(wasm), { tags: ["v1.0.0"] });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-data-" });
  const folder = join(dataDir, "mine", "notes");
  await Deno.mkdir(folder, { recursive: true });
  for (const [path, content] of Object.entries(weatherFiles(wasm, { name: "notes" }))) {
    await Deno.writeFile(
      join(folder, path),
      typeof content === "string" ? new TextEncoder().encode(content) : content as Uint8Array,
    );
  }
  // The user's catalogue: a folder (relative to the file), a GitHub URL, a folder that is no plugin.
  await Deno.writeTextFile(
    join(dataDir, "catalogue.yaml"),
    stringify({
      plugins: [
        {
          name: "notes",
          source: "./mine/notes",
          description: "My notes.",
          permissions: "nothing, honest",
        },
        {
          name: "weather",
          source: "https://github.com/acme/weather",
          description: "Someone's weather.",
          permissions: "the weather service",
        },
        { name: "empty", source: "./mine", description: "Not a plugin." },
      ],
    }),
  );
  const rg = await startRungpt({ dataDir, env: { RUNGPT_GIT_BASE: git.base } });
  try {
    const { status, body } = await getJson(rg, "/api/catalogue");
    assert.equal(status, 200);
    assert.deepEqual(body.problems, []);
    const byName = Object.fromEntries(
      body.entries.map((e: { name: string }) => [e.name, e]),
    );
    // The checkout's examples, with what their manifests ask for.
    assert.deepEqual(byName["text-transform"].access.apis, ["rungpt:config"]);
    assert.equal(byName.checksum.problem, null);
    // A folder's permissions come from its manifest, not from the catalogue's words.
    assert.equal(byName.notes.source, folder);
    assert.deepEqual(byName.notes.access, {
      apis: ["rungpt:config"],
      hosts: [],
      fs: [],
      secrets: ["api_token"],
    });
    assert.equal(byName.notes.permissions, null);
    // The user's weather replaces the checkout's; its words are all there is before install.
    assert.equal(byName.weather.source, "acme/weather");
    assert.equal(byName.weather.access, null);
    assert.equal(byName.weather.permissions, "the weather service");
    assert.match(byName.empty.problem, /rungpt\.yaml: not found/);

    const fromUrl = await runJob(
      rg,
      { action: "install", spec: "https://github.com/acme/weather" },
      true,
    );
    assert.equal(fromUrl.at(-1)?.event, "done", JSON.stringify(fromUrl.at(-1)));
    const fromFolder = await runJob(rg, { action: "install", spec: byName.notes.source }, true);
    assert.equal(fromFolder.at(-1)?.event, "done", JSON.stringify(fromFolder.at(-1)));
    const lock = await readLockfile(rg.pluginsDir);
    assert.equal(lock.plugins.weather.source, "acme/weather");
    assert.equal(lock.plugins.notes.source, folder);

    // The server has no working directory of the user's: a relative folder is refused.
    const relative = await runJob(rg, { action: "install", spec: "./mine/notes" });
    assert.match(String(relative.at(-1)?.data.message), /give the folder's absolute path here/);
  } finally {
    await rg.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
