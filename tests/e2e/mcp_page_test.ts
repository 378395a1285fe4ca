/**
 * Browser tests of the MCP servers on /plugins, with real servers from npm: a field the server
 * refuses is marked and named; the consent dialog shows exactly the grant (env values hidden),
 * Escape adds nothing; adding @modelcontextprotocol/server-memory shows "Connected, 9 tools"
 * and its log; disable, enable, remove; a server that cannot start shows why; a phone-width
 * screen in light and dark.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "../support/playwright.ts";
import { denoEnv } from "../support/mcp.ts";
import { colours, contrast, startE2E } from "./_helpers.ts";

const SECRET = "tok-mcp-browser-secret-93";
/** Starting a server from npm (cached) takes a few seconds on a busy machine. */
const START_TIMEOUT = 60_000;

/** Fills the add form's fields (labels as the user sees them). */
async function fill(page: Page, fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) {
    await page.getByRole("textbox", { name: label, exact: true }).fill(value);
  }
}

Deno.test("plugins page: MCP servers added with consent, shown connected with their log, disabled, enabled, removed", async (t) => {
  const e2e = await startE2E({ rungpt: { env: denoEnv() } });
  const { rg } = e2e;
  const { page, foreignRequests } = await e2e.newPage();
  const dir = join(rg.dataDir, "memory-files");
  await Deno.mkdir(dir);
  const review = page.getByRole("button", { name: "Review and add…" });
  const memory = page.getByRole("region", { name: "memory" });
  const state = (name: string) => page.getByRole("region", { name }).locator(".mcp-state");
  try {
    await t.step("the section is there, empty", async () => {
      await page.goto(rg.origin + "/plugins");
      await page.getByRole("heading", { name: "MCP servers", level: 2 }).waitFor();
      await page.getByText("No MCP servers yet").waitFor();
    });

    await t.step("a field the server refuses is marked, named and focused", async () => {
      await fill(page, {
        Name: "memory",
        Source: "npm:@modelcontextprotocol/server-memory",
        "Read paths": "relative/dir",
      });
      await review.click();
      const alert = page.getByRole("alert").filter({ hasText: "permissions.read.0" });
      await alert.waitFor();
      assert.match(await alert.innerText(), /must be absolute/);
      const read = page.getByRole("textbox", { name: "Read paths", exact: true });
      assert.equal(await read.getAttribute("aria-invalid"), "true");
      assert.equal(await read.evaluate((el) => el === document.activeElement), true);
      assert.equal(await page.getByRole("dialog").count(), 0, "no consent asked");
    });

    await t.step("the consent dialog shows the grant; Escape adds nothing", async () => {
      await fill(page, {
        "Read paths": dir,
        "Write paths": dir,
        "Environment values": `MEMORY_FILE_PATH=${join(dir, "graph.jsonl")}\nAPI_KEY=${SECRET}`,
      });
      await page.getByRole("checkbox", { name: "Trust read-only tools" }).check();
      // Keyboard: Enter in a field submits the form.
      await page.getByRole("textbox", { name: "Name", exact: true }).press("Enter");
      const dialog = page.getByRole("dialog", { name: "Add MCP server memory?" });
      await dialog.waitFor();
      const text = await dialog.innerText();
      for (const want of [dir, "MEMORY_FILE_PATH", "API_KEY", "value set, hidden", "read-only"]) {
        assert(text.includes(want), `the dialog lists ${want}:\n${text}`);
      }
      assert(!text.includes(SECRET), "the dialog shows no env value");
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      assert.equal(await memory.count(), 0);
      assert.equal((await (await rg.api("/api/mcp")).json()).servers.length, 0, "nothing saved");
    });

    await t.step("Add: connected with 9 tools, its log shown", async () => {
      await review.click();
      const dialog = page.getByRole("dialog", { name: "Add MCP server memory?" });
      await dialog.getByRole("button", { name: "Add" }).click();
      await page.getByRole("status").filter({ hasText: "Added MCP server memory." }).waitFor();
      await state("memory").filter({ hasText: "Connected, 9 tools" }).waitFor({
        timeout: START_TIMEOUT,
      });
      assert.equal(
        await page.getByRole("textbox", { name: "Name", exact: true }).inputValue(),
        "",
        "the form is cleared",
      );
      await memory.getByText("Recent logs").click();
      await memory.getByRole("list").filter({ hasText: "Knowledge Graph MCP Server running" })
        .first().waitFor();
      assert(!(await page.content()).includes(SECRET), "no env value in the page");
      await page.reload();
      await state("memory").filter({ hasText: "Connected, 9 tools" }).waitFor();
      assert(!(await page.content()).includes(SECRET), "no env value in the rendered page");
    });

    await t.step("disable and enable with the switch", async () => {
      const toggle = memory.getByRole("switch", { name: "Enabled" });
      await toggle.click();
      await state("memory").filter({ hasText: "Disabled" }).waitFor();
      assert.equal(await toggle.isChecked(), false);
      assert.equal(await memory.evaluate((el) => el.classList.contains("is-disabled")), true);
      await toggle.press(" "); // the keyboard works too
      await state("memory").filter({ hasText: "Connected, 9 tools" }).waitFor({
        timeout: START_TIMEOUT,
      });
    });

    await t.step("a server that cannot start shows why", async () => {
      await fill(page, {
        Name: "files",
        Source: "npm:@modelcontextprotocol/server-filesystem",
        "Environment variables it may read": "__MINIMATCH_TESTING_PLATFORM__",
        "Server arguments": join(rg.dataDir, "no-such-folder"),
      });
      await review.click();
      await page.getByRole("dialog", { name: "Add MCP server files?" })
        .getByRole("button", { name: "Add" }).click();
      const failed = page.getByRole("region", { name: "files" }).getByRole("alert");
      await failed.filter({ hasText: "Failed: could not start" }).waitFor({
        timeout: START_TIMEOUT,
      });
      await page.getByRole("list", { name: "Last log lines of files" })
        .filter({ hasText: "None of the specified directories are accessible" }).waitFor();
    });

    await t.step("on a 390 px screen, light and dark, nothing runs off the side", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `no horizontal scrolling (${width}px, ${colorScheme})`);
        for (const name of ["memory", "files"]) {
          const { fg, bg } = await colours(page, `[data-mcp-server="${name}"] .mcp-state`);
          const ratio = contrast(fg, bg);
          assert.ok(ratio >= 4.5, `${name}'s state contrast ${ratio.toFixed(2)} (${colorScheme})`);
        }
        await page.screenshot({ path: `/tmp/rungpt-e2e-mcp-${colorScheme}.png`, fullPage: true });
      }
      await page.emulateMedia({ colorScheme: null });
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await t.step("remove asks to confirm, then the server is gone", async () => {
      await memory.getByRole("button", { name: "Remove" }).click();
      await memory.getByRole("group", { name: "Remove memory?" })
        .getByRole("button", { name: "Confirm remove" }).click();
      await page.getByRole("status").filter({ hasText: "Removed MCP server memory." }).waitFor();
      assert.equal(await memory.count(), 0);
      const left = (await (await rg.api("/api/mcp")).json()).servers.map((s: { name: string }) =>
        s.name
      );
      assert.deepEqual(left, ["files"]);
      assert.deepEqual(foreignRequests(), []);
    });
  } finally {
    await e2e.close();
  }
});
