import assert from "node:assert/strict";
import { join } from "node:path";
import {
  actionSettings,
  autoTitles,
  envActionMode,
  loadSettings,
  maskApiKey,
  MAX_SETTINGS_BYTES,
  providerConfig,
  publicSettings,
  saveSettings,
  SETTINGS_FILE,
  SettingsError,
  updateSettings,
} from "../../../lib/store/settings.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const KEY = "sk-proj-0123456789abcdWXYZ";

Deno.test("a missing settings file is empty settings", () =>
  withDir(async (dir) => {
    assert.deepEqual(await loadSettings(dir), {});
  }));

Deno.test("saveSettings writes 0600 JSON atomically and loadSettings reads it back", () =>
  withDir(async (dir) => {
    const saved = await saveSettings(dir, {
      apiKey: KEY,
      baseURL: "http://127.0.0.1:8080/v1",
      model: "gpt-4o",
    });
    assert.deepEqual(saved, { apiKey: KEY, baseURL: "http://127.0.0.1:8080/v1", model: "gpt-4o" });
    assert.deepEqual(await loadSettings(dir), saved);
    const file = join(dir, SETTINGS_FILE);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), saved);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

    // A looser mode set by someone else is tightened again on the next save.
    if (Deno.build.os !== "windows") {
      await Deno.chmod(file, 0o644);
      await saveSettings(dir, { model: "gpt-4.1" });
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    }
    // Only the settings file is left: no temporary files.
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, [SETTINGS_FILE]);
  }));

Deno.test("the file is replaced by rename, never rewritten in place", () =>
  withDir(async (dir) => {
    await saveSettings(dir, { model: "a" });
    const file = join(dir, SETTINGS_FILE);
    const before = (await Deno.stat(file)).ino;
    await saveSettings(dir, { model: "b" });
    const after = (await Deno.stat(file)).ino;
    if (before !== null && after !== null) assert.notEqual(after, before);
    assert.equal((await loadSettings(dir)).model, "b");
  }));

Deno.test("loaded settings are cached, yet edits from outside are seen", () =>
  withDir(async (dir) => {
    await saveSettings(dir, { model: "a", alwaysAllowed: ["x.y"] });
    const first = await loadSettings(dir);
    // Callers get their own copy: changing it does not change what the next caller reads.
    first.model = "changed";
    first.alwaysAllowed!.push("p.q");
    assert.deepEqual(await loadSettings(dir), { model: "a", alwaysAllowed: ["x.y"] });
    // Another process (an editor, the CLI) replaces the file: the next load sees it.
    const file = join(dir, SETTINGS_FILE);
    await Deno.writeTextFile(`${file}.new`, JSON.stringify({ model: "from-outside" }));
    await Deno.rename(`${file}.new`, file);
    assert.deepEqual(await loadSettings(dir), { model: "from-outside" });
    // An in-place edit that changes the size is seen too, and so is a corrupt file.
    await Deno.writeTextFile(file, JSON.stringify({ model: "edited in place" }));
    assert.equal((await loadSettings(dir)).model, "edited in place");
    await Deno.writeTextFile(file, "{ not json");
    await assert.rejects(() => loadSettings(dir), SettingsError);
    await Deno.remove(file);
    assert.deepEqual(await loadSettings(dir), {});
  }));

Deno.test("patches merge; null removes a field; unknown stored fields are kept", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, SETTINGS_FILE),
      JSON.stringify({ model: "m1", futureField: "kept" }),
    );
    await saveSettings(dir, { apiKey: KEY });
    assert.deepEqual(await loadSettings(dir), { model: "m1", futureField: "kept", apiKey: KEY });
    await saveSettings(dir, { model: null, apiKey: undefined });
    assert.deepEqual(await loadSettings(dir), { futureField: "kept", apiKey: KEY });
  }));

Deno.test("concurrent saves do not lose each other's fields", () =>
  withDir(async (dir) => {
    await Promise.all([
      saveSettings(dir, { apiKey: KEY }),
      saveSettings(dir, { model: "gpt-4o" }),
      saveSettings(dir, { baseURL: "https://example.test/v1" }),
    ]);
    assert.deepEqual(await loadSettings(dir), {
      apiKey: KEY,
      model: "gpt-4o",
      baseURL: "https://example.test/v1",
    });
  }));

Deno.test("concurrent updates computed from the current settings both land", () =>
  withDir(async (dir) => {
    const add = (id: string) =>
      updateSettings(dir, (s) => ({ alwaysAllowed: [...(s.alwaysAllowed ?? []), id] }));
    await Promise.all([add("a.one"), add("b.two"), saveSettings(dir, { model: "gpt-4o" })]);
    assert.deepEqual(await loadSettings(dir), {
      alwaysAllowed: ["a.one", "b.two"],
      model: "gpt-4o",
    });
    // Nothing to change writes nothing; an invalid computed value is refused, naming it.
    const before = await Deno.stat(join(dir, SETTINGS_FILE));
    await updateSettings(dir, () => null);
    assert.equal((await Deno.stat(join(dir, SETTINGS_FILE))).ino, before.ino);
    const err = await updateSettings(dir, () => ({ alwaysAllowed: ["no-dot"] })).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof SettingsError);
    assert.equal(err.field, "alwaysAllowed");
  }));

Deno.test("RUNGPT_ACTION_MODE with an unknown value is an error naming it and the choices", () => {
  assert.equal(envActionMode({ RUNGPT_ACTION_MODE: " native " }), "native");
  assert.equal(envActionMode({}), undefined);
  for (
    const read of [
      () => envActionMode({ RUNGPT_ACTION_MODE: "bogus" }),
      () => actionSettings({}, { RUNGPT_ACTION_MODE: "bogus" }),
    ]
  ) {
    assert.throws(read, (e: unknown) => {
      assert.ok(e instanceof SettingsError);
      assert.match(e.message, /RUNGPT_ACTION_MODE/);
      assert.match(e.message, /"bogus"/);
      assert.match(e.message, /auto, tags or native/);
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    });
  }
});

Deno.test("invalid values are rejected with a message naming the field; nothing is written", () =>
  withDir(async (dir) => {
    const cases: [Record<string, unknown>, string][] = [
      [{ baseURL: "ftp://example.com" }, "baseURL"],
      [{ baseURL: "not a url" }, "baseURL"],
      [{ baseURL: "javascript:alert(1)" }, "baseURL"],
      [{ model: "" }, "model"],
      [{ model: "   " }, "model"],
      [{ model: "m".repeat(201) }, "model"],
      [{ apiKey: "sk abc" }, "apiKey"],
      [{ apiKey: "sk-abc\n" }, "apiKey"],
      [{ apiKey: "sk-\u0000abc" }, "apiKey"],
      [{ apiKey: "k".repeat(501) }, "apiKey"],
      [{ apiKey: 42 }, "apiKey"],
    ];
    for (const [patch, field] of cases) {
      const err = await saveSettings(dir, patch as never).then(() => null, (e) => e);
      assert.ok(err instanceof SettingsError, `${JSON.stringify(patch)} is rejected`);
      assert.equal(err.field, field);
      assert.ok(err.message.includes(field), `message names ${field}: ${err.message}`);
    }
    const unknown = await saveSettings(dir, { colour: "red" } as never).then(() => null, (e) => e);
    assert.ok(unknown instanceof SettingsError);
    assert.match(unknown.message, /colour/);
    assert.equal(unknown.field, "colour");
    await assert.rejects(() => Deno.stat(join(dir, SETTINGS_FILE)), Deno.errors.NotFound);

    // Edge values that are fine.
    await saveSettings(dir, { model: "m".repeat(200), apiKey: "k".repeat(500) });
    await saveSettings(dir, { baseURL: "https://api.example.com:8443/v1?x=1" });
  }));

Deno.test("a corrupt settings file is a SettingsError naming the file", () =>
  withDir(async (dir) => {
    const file = join(dir, SETTINGS_FILE);
    for (
      const text of ["{ not json", "[1, 2]", '"str"', '{"apiKey": 5}', '{"baseURL": "gopher://x"}']
    ) {
      await Deno.writeTextFile(file, text);
      const err = await loadSettings(dir).then(() => null, (e) => e);
      assert.ok(err instanceof SettingsError, `content ${text}`);
      assert.ok(err.message.includes(file), err.message);
      // Saving over a corrupt file is refused rather than losing what was there.
      await assert.rejects(() => saveSettings(dir, { model: "x" }), SettingsError);
      assert.equal(await Deno.readTextFile(file), text);
    }
  }));

Deno.test("settings: a file over the size limit is refused, naming it; one at the limit is read", () =>
  withDir(async (dir) => {
    const file = join(dir, SETTINGS_FILE);
    const json = '{"model":"m"}';
    // Valid JSON all along: padded with spaces up to the limit, then one byte past it.
    await Deno.writeTextFile(file, json + " ".repeat(MAX_SETTINGS_BYTES - json.length));
    assert.deepEqual(await loadSettings(dir), { model: "m" });
    await Deno.writeTextFile(file, json + " ".repeat(MAX_SETTINGS_BYTES - json.length + 1));
    const err = await loadSettings(dir).then(() => null, (e) => e);
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(
      err.message,
      `settings file ${file} is larger than ${MAX_SETTINGS_BYTES} bytes, so it is not rungpt's; fix it or delete it`,
    );
    // The largest settings rungpt itself saves (every entry escaped) fit with room to spare.
    await Deno.remove(file);
    const models = Array.from({ length: 1000 }, (_, i) => `${'"'.repeat(190)}${i}`);
    await saveSettings(dir, { nativeToolsUnsupported: models });
    assert.ok((await Deno.stat(file)).size < MAX_SETTINGS_BYTES / 2);
    assert.equal((await loadSettings(dir)).nativeToolsUnsupported?.length, 1000);
  }));

Deno.test("a corrupt settings file's error quotes none of the file: the key may be next to the fault", () =>
  withDir(async (dir) => {
    const file = join(dir, SETTINGS_FILE);
    for (
      const text of [
        `{"apiKey": '${KEY}'}`,
        `{"apiKey": ${KEY}}`,
        `{"model": "gpt-4o", "apiKey": '${KEY}', "baseURL": "http://127.0.0.1:11434/v1"}`,
      ]
    ) {
      await Deno.writeTextFile(file, text);
      const err = await loadSettings(dir).then(() => null, (e) => e);
      assert.ok(err instanceof SettingsError, `content ${text}`);
      assert.match(err.message, /is not valid JSON \(Unexpected token .*\); fix it or delete it/);
      for (const part of ["sk-proj", "0123", "apiKey"]) {
        assert.ok(!err.message.includes(part), `${part} in: ${err.message}`);
      }
    }
  }));

Deno.test("providerConfig: settings win over env, env over null", () => {
  const env = {
    OPENAI_API_KEY: "sk-env-key-123456",
    OPENAI_BASE_URL: "http://env.test/v1",
    RUNGPT_MODEL: "env-model",
  };
  assert.deepEqual(providerConfig({}, env), {
    apiKey: "sk-env-key-123456",
    baseURL: "http://env.test/v1",
    model: "env-model",
  });
  assert.deepEqual(providerConfig({ apiKey: KEY, model: "mine" }, env), {
    apiKey: KEY,
    baseURL: "http://env.test/v1",
    model: "mine",
  });
  assert.deepEqual(providerConfig({}, {}), { apiKey: null, baseURL: null, model: null });
  assert.deepEqual(providerConfig({}, { OPENAI_API_KEY: "  " }).apiKey, null, "blank env = unset");
});

Deno.test("publicSettings: sources, masking, and never the key", () => {
  const env = { OPENAI_API_KEY: "sk-env-abcdefghijkl9876", RUNGPT_MODEL: "env-model" };
  const fromEnv = publicSettings({}, env);
  assert.deepEqual(fromEnv, {
    apiKeySet: true,
    apiKeyMasked: "sk-…9876",
    apiKeySource: "env",
    baseURL: null,
    baseURLSource: null,
    model: "env-model",
    modelSource: "env",
    actions: {
      mode: "auto",
      approvalMode: "auto",
      alwaysAllowed: [],
      maxRounds: 8,
      nativeToolsUnsupported: [],
      streamToolsUnsupported: [],
    },
    cors: { origins: [], envOrigins: [] },
    autoTitles: true,
  });
  assert.equal(publicSettings({}, { RUNGPT_ACTION_MODE: "tags" }).actions.mode, "tags");
  assert.equal(
    publicSettings({ actionMode: "native" }, { RUNGPT_ACTION_MODE: "tags" }).actions.mode,
    "native",
  );
  assert.equal(publicSettings({}, { RUNGPT_ACTION_MODE: " " }).actions.mode, "auto");
  const stored = publicSettings({ apiKey: KEY, baseURL: "https://x.test/v1" }, env);
  assert.equal(stored.apiKeySource, "settings");
  assert.equal(stored.apiKeyMasked, "sk-…WXYZ");
  assert.equal(stored.baseURLSource, "settings");
  assert.ok(!JSON.stringify(stored).includes(KEY.slice(0, 12)), "no key material beyond a hint");
  assert.ok(!JSON.stringify(fromEnv).includes("abcdefgh"));

  const none = publicSettings({}, {});
  assert.equal(none.apiKeySet, false);
  assert.equal(none.apiKeyMasked, null);
  assert.equal(none.apiKeySource, null);
});

Deno.test("maskApiKey shows at most the last 4 characters, none for short keys", () => {
  assert.equal(maskApiKey("sk-proj-0123456789abcd"), "sk-…abcd");
  assert.equal(maskApiKey("abcdefghijklmnop"), "…mnop");
  assert.equal(maskApiKey("sk-12345678"), "…", "11 characters: nothing shown");
  assert.equal(maskApiKey("x"), "…");
});

Deno.test("autoTitles: the saved switch, else RUNGPT_AUTO_TITLES, else on; typos refused", () => {
  assert.equal(autoTitles({}, {}), true);
  assert.equal(autoTitles({}, { RUNGPT_AUTO_TITLES: "off" }), false);
  assert.equal(autoTitles({}, { RUNGPT_AUTO_TITLES: " on " }), true);
  assert.equal(autoTitles({ autoTitles: true }, { RUNGPT_AUTO_TITLES: "off" }), true);
  assert.equal(autoTitles({ autoTitles: false }, {}), false);
  assert.throws(() => autoTitles({}, { RUNGPT_AUTO_TITLES: "no" }), (e: unknown) => {
    assert.ok(e instanceof SettingsError);
    assert.match(e.message, /RUNGPT_AUTO_TITLES is "no", but it must be on or off/);
    return true;
  });
});

Deno.test("autoTitles is saved, cleared with null, and checked as a boolean", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await saveSettings(dir, { autoTitles: false })).autoTitles, false);
    assert.equal(publicSettings(await loadSettings(dir), {}).autoTitles, false);
    assert.equal((await saveSettings(dir, { autoTitles: null })).autoTitles, undefined);
    await assert.rejects(
      () => saveSettings(dir, { autoTitles: "yes" as unknown as boolean }),
      (e: unknown) => e instanceof SettingsError && e.field === "autoTitles",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
