/**
 * Browser tests of /plugins: install from a local git repo with live progress and the
 * consent dialog, a bad manifest's error, disabling, changing settings (a secret shows only
 * "set"), raising a plugin's storage quota, and removing; plus the links between chat and
 * /plugins.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { createGitFixtures, type FileMap, startStallingRemote } from "../support/git_fixtures.ts";
import { buildFixture } from "../support/wasm_fixtures.ts";
import { startE2E, waitFor } from "./_helpers.ts";

/** A test plugin on the `settings` fixture module (exports get, state_set; links rungpt:config). */
function weatherFiles(wasm: Uint8Array, overrides: Record<string, unknown> = {}): FileMap {
  const manifest = {
    name: "weather",
    version: "1.0.0",
    description: "Current weather for a city.",
    wasm: "plugin.wasm",
    apis: ["rungpt:config", "rungpt:net"],
    permissions: { net: { hosts: ["api.weather.test"] } },
    config: {
      units: { type: "string", description: "Units to use.", default: "metric" },
      api_token: { type: "string", description: "Token for the service.", secret: true },
    },
    actions: [
      { name: "get", description: "Reads the forecast." },
      { name: "state_set", description: "Saves a favourite city.", confirm: true },
    ],
    ...overrides,
  };
  return { "rungpt.yaml": stringify(manifest), "plugin.wasm": wasm };
}

const SECRET = "tok-browser-secret-77";

Deno.test("plugins page: install with consent, disable, settings, remove", async (t) => {
  const wasm = await buildFixture("settings");
  await using git = await createGitFixtures();
  const weather = await git.createRepo("acme", "weather");
  await weather.commit(weatherFiles(wasm), { tags: ["v1.0.0"] });
  await (await git.createRepo("acme", "broken")).commit(
    weatherFiles(wasm, { name: "broken", version: "one" }),
    { tags: ["v1.0.0"] },
  );
  const e2e = await startE2E({ rungpt: { env: { RUNGPT_GIT_BASE: git.base } } });
  const { rg } = e2e;
  const { page, foreignRequests } = await e2e.newPage();
  const lock = async () =>
    JSON.parse(await Deno.readTextFile(join(rg.pluginsDir, "rungpt.lock.json")));
  try {
    await t.step("the chat sidebar links to /plugins, which links back", async () => {
      await page.goto(rg.origin + "/");
      await page.getByRole("link", { name: "Plugins" }).click();
      await page.waitForURL(/\/plugins$/);
      await page.getByRole("heading", { name: "Plugins", level: 1 }).waitFor();
      await page.getByText("No plugins installed yet").waitFor();
      await page.getByRole("link", { name: "Back to chat" }).click();
      await page.waitForURL(rg.origin + "/");
    });

    await t.step("a bad manifest shows the job's error naming the field", async () => {
      await page.goto(rg.origin + "/plugins");
      await page.getByRole("textbox", { name: "Plugin repository" }).fill("acme/broken");
      await page.getByRole("button", { name: "Install plugin" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "Failed" });
      await alert.waitFor();
      assert.match(await alert.innerText(), /rungpt\.yaml: version: must be semver/);
      assert.equal(await page.getByRole("dialog").count(), 0, "no consent asked");
      await page.getByRole("button", { name: "Dismiss" }).click();
    });

    await t.step("Cancel in the consent dialog installs nothing", async () => {
      await page.getByRole("textbox", { name: "Plugin repository" }).fill("acme/weather");
      await page.getByRole("button", { name: "Install plugin" }).click();
      const dialog = page.getByRole("dialog", { name: "Install weather 1.0.0?" });
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("status").filter({ hasText: "Cancelled: nothing was installed" })
        .waitFor();
      assert.equal(await page.getByRole("dialog").count(), 0);
      assert.equal(await page.getByRole("region", { name: "weather" }).count(), 0);
      assert.deepEqual(await lock().catch(() => null), null, "no lockfile written");
    });

    await t.step("install: progress, consent dialog with APIs and hosts, Allow", async () => {
      // A short window: the summary is longer than the dialog can show at once.
      await page.setViewportSize({ width: 1280, height: 420 });
      await page.getByRole("textbox", { name: "Plugin repository" }).fill("acme/weather");
      await page.getByRole("button", { name: "Install plugin" }).click();
      const dialog = page.getByRole("dialog", { name: "Install weather 1.0.0?" });
      await dialog.waitFor();
      // It opens at its title (not scrolled to the focused Cancel), its buttons in view.
      assert(
        await dialog.evaluate((d) => d.scrollHeight > d.clientHeight),
        "the dialog scrolls",
      );
      const box = (await dialog.boundingBox())!;
      const inView = async (name: string, el: ReturnType<typeof dialog.getByRole>) => {
        const b = (await el.boundingBox())!;
        assert(b.y >= box.y && b.y + b.height <= box.y + box.height, `${name} is in view`);
        const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
        assert(
          await el.evaluate((e, [x, y]) => e.contains(document.elementFromPoint(x, y)), [x, y]),
          `${name} is not covered`,
        );
      };
      await inView("the title", dialog.getByRole("heading", { name: "Install weather 1.0.0?" }));
      await inView("Cancel", dialog.getByRole("button", { name: "Cancel" }));
      await inView("Allow", dialog.getByRole("button", { name: "Allow" }));
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel");
      await page.setViewportSize({ width: 1280, height: 800 });
      const progress = page.getByRole("log", { name: "Progress" });
      const steps = await progress.innerText();
      assert.match(steps, /cloning /);
      assert.match(steps, /validating manifest/);
      const text = await dialog.innerText();
      for (const want of ["rungpt:config", "rungpt:net", "api.weather.test", "api_token"]) {
        assert(text.includes(want), `the dialog lists ${want}:\n${text}`);
      }
      assert.match(text, /state_set.*Saves a favourite city\.\s*asks first/);
      assert.match(text, /\/acme\/weather @ v1\.0\.0/); // the clone URL and the tag
      assert.deepEqual(await lock().catch(() => null), null, "nothing installed before Allow");

      await dialog.getByRole("button", { name: "Allow" }).click();
      await page.getByRole("status").filter({ hasText: "Installed weather 1.0.0." }).waitFor();
      assert.equal(await page.getByRole("dialog").count(), 0);
      const card = page.getByRole("region", { name: "weather" });
      await card.waitFor();
      // Compact: the actions open on demand.
      assert.equal(await card.locator(".plugin-actions").isVisible(), false);
      await card.getByText("Actions (2)").click();
      const actions = await card.locator(".plugin-actions").innerText();
      assert.match(actions, /get\s*Reads the forecast\./);
      assert.match(actions, /state_set\s*asks first\s*Saves a favourite city\./);
      assert.match(await card.innerText(), /api\.weather\.test/);
      assert.equal((await lock()).plugins.weather.version, "1.0.0");
    });

    await t.step("disable it; the state survives a reload", async () => {
      const card = page.getByRole("region", { name: "weather" });
      const toggle = card.getByRole("switch", { name: "Enabled" });
      assert.equal(await toggle.isChecked(), true);
      await toggle.click();
      // The label says the state.
      await card.getByRole("switch", { name: "Disabled" }).waitFor();
      await waitFor(
        "the lockfile to say disabled",
        async () => !(await lock()).plugins.weather.enabled,
      );
      await page.reload();
      assert.equal(
        await page.getByRole("region", { name: "weather" }).getByRole("switch", {
          name: "Disabled",
        })
          .isChecked(),
        false,
      );
    });

    await t.step("change a setting and a secret; the secret shows only 'set'", async () => {
      const card = page.getByRole("region", { name: "weather" });
      await card.getByText("Settings", { exact: true }).click();
      const units = card.getByRole("textbox", { name: "units" });
      assert.equal(await units.inputValue(), "metric");
      await units.fill("imperial");
      await card.getByLabel("api_token", { exact: true }).fill(SECRET);
      await card.getByRole("button", { name: "Save settings" }).click();
      await card.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
      await card.locator(".secret-status", { hasText: /^set$/ }).waitFor();
      const saved = await rg.api("/api/plugins/weather").then((r) => r.json());
      const byKey = Object.fromEntries(
        saved.plugin.settings.map((s: { key: string }) => [s.key, s]),
      );
      assert.equal(byKey.units.value, "imperial");
      assert.equal(byKey.api_token.isSet, true);

      await page.reload();
      const again = page.getByRole("region", { name: "weather" });
      await again.getByText("Settings", { exact: true }).click();
      assert.equal(await again.getByRole("textbox", { name: "units" }).inputValue(), "imperial");
      assert.equal(await again.getByLabel("api_token", { exact: true }).inputValue(), "");
      assert(!(await page.content()).includes(SECRET), "the page never holds the secret");

      await again.getByRole("button", { name: "Clear api_token" }).click();
      await again.locator(".secret-status", { hasText: "not set" }).waitFor();
    });

    await t.step("an update asking for more shows what is new, then applies", async () => {
      await weather.commit(
        weatherFiles(wasm, {
          version: "1.1.0",
          permissions: { net: { hosts: ["api.weather.test", "radar.weather.test"] } },
        }),
        { tags: ["v1.1.0"] },
      );
      const card = page.getByRole("region", { name: "weather" });
      await card.getByRole("button", { name: "Update" }).click();
      const dialog = page.getByRole("dialog", { name: "Update weather from 1.0.0 to 1.1.0?" });
      await dialog.waitFor();
      const newHost = dialog.getByRole("listitem").filter({ hasText: "radar.weather.test" });
      assert.match(await newHost.innerText(), /radar\.weather\.test\s*new/);
      const oldHost = dialog.getByRole("listitem").filter({ hasText: "api.weather.test" });
      assert.doesNotMatch(await oldHost.innerText(), /new/);
      await dialog.getByRole("button", { name: "Allow" }).click();
      await page.getByRole("status").filter({ hasText: "Updated weather from 1.0.0 to 1.1.0." })
        .waitFor();
      await card.getByText("1.1.0", { exact: true }).waitFor();
      assert.equal((await lock()).plugins.weather.version, "1.1.0");
      assert.deepEqual((await lock()).plugins.weather.grants.net.hosts, [
        "api.weather.test",
        "radar.weather.test",
      ]);
    });

    await t.step(
      "an update that would show a saved secret says so; Cancel keeps it masked",
      async () => {
        const saved = await rg.api("/api/plugins/weather/config", {
          method: "PUT",
          json: { values: { api_token: SECRET } },
        });
        assert.equal(saved.status, 200);
        await saved.body?.cancel();
        await weather.commit(
          weatherFiles(wasm, {
            version: "1.2.0",
            permissions: { net: { hosts: ["api.weather.test", "radar.weather.test"] } },
            config: { api_token: { type: "string", description: "Token for the service." } },
          }),
          { tags: ["v1.2.0"] },
        );
        await page.reload();
        const card = page.getByRole("region", { name: "weather" });
        await card.getByRole("button", { name: "Update" }).click();
        const dialog = page.getByRole("dialog", { name: "Update weather from 1.1.0 to 1.2.0?" });
        await dialog.getByText("No longer secret: api_token.").waitFor();
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await dialog.waitFor({ state: "detached" });
        await page.reload();
        await page.getByRole("region", { name: "weather" }).waitFor();
        assert(!(await page.content()).includes(SECRET), "the page never holds the secret");
        assert.equal((await lock()).plugins.weather.version, "1.1.0");
      },
    );

    await t.step("remove it, after confirming", async () => {
      const card = page.getByRole("region", { name: "weather" });
      await card.getByRole("button", { name: "Remove", exact: true }).click();
      await card.getByRole("button", { name: "Confirm remove" }).click();
      await page.getByRole("status").filter({ hasText: "Removed weather." }).waitFor();
      assert.equal(await page.getByRole("region", { name: "weather" }).count(), 0);
      assert.deepEqual((await lock()).plugins, {});
      await page.reload();
      await page.getByText("No plugins installed yet").waitFor();
    });

    assert.deepEqual(foreignRequests(), [], "nothing left the rungpt origin");
  } finally {
    await e2e.close();
  }
});

Deno.test("plugins page: Cancel stops an install whose clone does not answer", async () => {
  await using remote = startStallingRemote();
  const e2e = await startE2E({ rungpt: { env: { RUNGPT_GIT_BASE: remote.base } } });
  const { rg } = e2e;
  const { page } = await e2e.newPage();
  try {
    await page.goto(rg.origin + "/plugins");
    await page.getByRole("textbox", { name: "Plugin repository" }).fill("acme/stuck");
    await page.getByRole("button", { name: "Install plugin" }).click();
    await page.getByRole("log", { name: "Progress" }).getByText(/cloning /).waitFor();
    await waitFor("git to reach the remote", () => remote.connections() > 0 || undefined);
    await page.getByRole("group", { name: "Installing acme/stuck" })
      .getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("status").filter({ hasText: "Cancelled: nothing was installed" })
      .waitFor();
    // The server stopped git and deleted the clone.
    const clones = async () =>
      (await Array.fromAsync(Deno.readDir(rg.pluginsDir))).filter((e) =>
        e.name.startsWith(".install-")
      ).length;
    await waitFor("the clone to be deleted", async () => await clones() === 0);
  } finally {
    await e2e.close();
  }
});

Deno.test("plugins page: the consent dialog shows the storage quota; the card raises it", async () => {
  const wasm = await buildFixture("files");
  await using git = await createGitFixtures();
  await (await git.createRepo("acme", "files")).commit({
    "rungpt.yaml": stringify({
      name: "files",
      version: "1.0.0",
      description: "Writes files.",
      wasm: "plugin.wasm",
      apis: ["rungpt:fs"],
      permissions: { fs: [{ path: "notes", access: "read-write" }] },
      actions: [{ name: "write", description: "Writes a file." }],
    }),
    "plugin.wasm": wasm,
  }, { tags: ["v1.0.0"] });
  const e2e = await startE2E({ rungpt: { env: { RUNGPT_GIT_BASE: git.base } } });
  const { rg } = e2e;
  const { page } = await e2e.newPage();
  const lock = async () =>
    JSON.parse(await Deno.readTextFile(join(rg.pluginsDir, "rungpt.lock.json")));
  const write = async (size: number) =>
    JSON.parse(
      await rg.server.services.plugins.call(
        "files",
        "write",
        JSON.stringify({ path: "notes/a.txt", content: "x".repeat(size) }),
      ),
    );
  try {
    await page.goto(rg.origin + "/plugins");
    await page.getByRole("textbox", { name: "Plugin repository" }).fill("acme/files");
    await page.getByRole("button", { name: "Install plugin" }).click();
    const dialog = page.getByRole("dialog", { name: "Install files 1.0.0?" });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /At most 100 MB in 10,000 files and folders/);
    await dialog.getByRole("button", { name: "Allow" }).click();

    const card = page.getByRole("region", { name: "files" });
    await card.getByText("Settings", { exact: true }).click();
    await card.getByText("Permissions and source").click();
    const form = card.getByRole("form", { name: "files storage quota" });
    await form.waitFor();
    assert.equal(await form.getByRole("textbox", { name: "Size" }).inputValue(), "100 MB");
    await form.getByRole("textbox", { name: "Size" }).fill("2 KB");
    await form.getByRole("textbox", { name: "Files and folders" }).fill("5");
    await form.getByRole("button", { name: "Save quota" }).click();
    await form.getByRole("status").filter({ hasText: "Quota saved." }).waitFor();
    assert.deepEqual((await lock()).plugins.files.quota, { bytes: 2048, files: 5 });
    await card.getByText("At most 2 KB in 5 files and folders").waitFor();
    assert.match((await write(3000)).error, /quota exceeded: writing notes\/a.txt/);

    await form.getByRole("textbox", { name: "Size" }).fill("lots");
    await form.getByRole("button", { name: "Save quota" }).click();
    assert.match(await form.getByRole("alert").innerText(), /"lots" is not a size/);

    await form.getByRole("button", { name: "Default" }).click();
    await form.getByRole("status").filter({ hasText: "Quota back to the default." }).waitFor();
    assert.equal((await lock()).plugins.files.quota, undefined);
    assert.deepEqual(await write(3000), { ok: { size: 3000 } });
  } finally {
    await e2e.close();
  }
});
