/**
 * Browser test of /plugins as a newcomer meets it: the catalogue of the checkout's examples, each
 * saying what it may touch before its Install button; one click installs the real weather
 * example (from its folder), the consent question survives a reload, and the installed card is
 * compact: name, one line, a switch that says its state, badges; its logs show a failed call.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startE2E } from "./_helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("plugins page: a newcomer installs an example from the catalogue", async (t) => {
  const e2e = await startE2E();
  const { rg } = e2e;
  const { page, foreignRequests } = await e2e.newPage();
  const lock = async () =>
    JSON.parse(await Deno.readTextFile(join(rg.pluginsDir, "rungpt.lock.json")).catch(() => "{}"));
  try {
    await t.step("the page opens with what can be installed, and what each may touch", async () => {
      await page.goto(rg.origin + "/plugins");
      const catalogue = page.getByRole("region", { name: "Available plugins" });
      const weather = catalogue.getByRole("listitem").filter({
        has: page.getByRole("heading", { name: "weather" }),
      });
      // Read from the example's own manifest.
      const badges = weather.getByRole("list", { name: "May touch" });
      assert.match(await badges.innerText(), /web: geocoding-api\.open-meteo\.com/);
      assert.match(await badges.innerText(), /web: api\.open-meteo\.com/);
      const textTransform = catalogue.getByRole("listitem").filter({
        has: page.getByRole("heading", { name: "text-transform" }),
      });
      assert.match(
        await textTransform.getByRole("list", { name: "May touch" }).innerText(),
        /its settings/,
      );
      assert.doesNotMatch(await textTransform.innerText(), /web:/);
      await weather.getByRole("button", { name: "Install weather" }).waitFor();
    });

    await t.step("Install asks first; the question survives a reload", async () => {
      await page.getByRole("button", { name: "Install weather" }).click();
      const dialog = page.getByRole("dialog", { name: "Install weather 1.0.0?" });
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /api\.open-meteo\.com/);
      await page.reload();
      await dialog.waitFor();
      assert.deepEqual((await lock()).plugins, undefined, "nothing installed before Allow");
      await dialog.getByRole("button", { name: "Allow" }).click();
      await page.getByRole("status").filter({ hasText: "Installed weather 1.0.0." }).waitFor();
    });

    await t.step("the installed card is compact", async () => {
      const card = page.getByRole("region", { name: "weather" });
      await card.waitFor();
      assert.equal((await lock()).plugins.weather.source, join(ROOT, "examples/plugins/weather"));
      await card.getByRole("switch", { name: "Enabled" }).waitFor();
      assert.match(
        await card.getByRole("list", { name: "May touch" }).innerText(),
        /web: api\.open-meteo\.com/,
      );
      // One line of description; actions, settings and logs are closed until asked for.
      const desc = card.locator(".plugin-desc");
      const { height, lineHeight } = await desc.evaluate((el) => ({
        height: el.getBoundingClientRect().height,
        lineHeight: parseFloat(getComputedStyle(el).lineHeight),
      }));
      assert(height < lineHeight * 1.5, `one line: ${height}px for a line of ${lineHeight}px`);
      for (const hidden of [".plugin-actions", ".setting", ".log-lines"]) {
        assert.equal(await card.locator(hidden).first().isVisible(), false, `${hidden} is closed`);
      }
      // The catalogue now says it is installed.
      await page.getByRole("button", { name: "weather is installed" }).waitFor();
    });

    await t.step("a call that failed shows in the card's logs", async () => {
      await assert.rejects(
        rg.server.services.plugins.call("weather", "current", "{}"),
        /"place" is required/,
      );
      const card = page.getByRole("region", { name: "weather" });
      await card.getByText("Recent logs").click();
      await card.locator(".log-error").filter({ hasText: /current failed: .*"place" is required/ })
        .waitFor();
    });

    assert.deepEqual(foreignRequests(), [], "nothing left the rungpt origin");
  } finally {
    await e2e.close();
  }
});
