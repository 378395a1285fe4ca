/**
 * Browser tests of titles and the sidebar: the model's title reaches the open page after the
 * first exchange, chats are grouped by date, and a pinned chat stays under "Pinned" after a
 * reload; at desktop and phone sizes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { sendMessage, settled, startE2E, waitFor, waitForStatus } from "./_helpers.ts";

Deno.test("titles and pins in the sidebar", async (t) => {
  const e2e = await startE2E({
    model: {
      // The title request is the one that is not streamed.
      responder: (req) =>
        req.body.stream === true
          ? { text: "On islands, mostly." }
          : { text: '"Pelican **nesting** habits."' },
    },
    rungpt: { env: { RUNGPT_AUTO_TITLES: "on" } },
  });
  const { page, foreignRequests } = await e2e.newPage();
  const group = (name: string) => page.getByRole("group", { name, exact: true });
  try {
    await t.step("the first exchange titles the chat, in the sidebar and the header", async () => {
      await page.goto(e2e.rg.origin + "/");
      await settled(await sendMessage(page, "## Where do **pelicans** nest?\nAnd why?"));
      await group("Today").locator(".conv-title", { hasText: "Pelican nesting habits" })
        .waitFor();
      await page.locator("h1.chat-title", { hasText: "Pelican nesting habits" }).waitFor();
      assert.equal(e2e.model.chatRequests().length, 2, "one reply, one title request");
    });

    await t.step("Pin moves the chat under Pinned, and it stays there after a reload", async () => {
      const pin = page.getByRole("button", { name: "Pin Pelican nesting habits" });
      assert.equal(await pin.getAttribute("tabindex"), "-1", "the row keeps one Tab stop");
      await pin.click();
      await group("Pinned").locator(".conv-title", { hasText: "Pelican nesting habits" })
        .waitFor();
      await waitFor("the Today group gone", async () => (await group("Today").count()) === 0);
      await page.reload();
      await group("Pinned").locator(".conv-title", { hasText: "Pelican nesting habits" })
        .waitFor();
      const labels = await page.locator("#sidebar .conv-group-label").allInnerTexts();
      assert.deepEqual(labels, ["Pinned"]);
    });

    await t.step("an older chat goes under its date; Unpin brings the chat back", async () => {
      const store = e2e.rg.server.services.store;
      const old = await store.createConversation({ title: "Last month's question" });
      // Dated back in the database itself, as a chat from 40 days ago would be.
      const when = Date.now() - 40 * 24 * 60 * 60 * 1000;
      const month = new Date(when).toLocaleDateString("en-US", { month: "long", year: "numeric" });
      setUpdatedAt(e2e.rg.dataDir, old.id, when);
      await page.reload();
      await group(month).locator(".conv-title", { hasText: "Last month's question" }).waitFor();
      await page.getByRole("button", { name: "Unpin Pelican nesting habits" }).click();
      await group("Today").locator(".conv-title", { hasText: "Pelican nesting habits" })
        .waitFor();
      assert.deepEqual(await page.locator("#sidebar .conv-group-label").allInnerTexts(), [
        "Today",
        month,
      ]);
    });

    await t.step("renaming the month-old chat moves it to the top of Today", async () => {
      await page.getByRole("button", { name: "Rename Last month's question" }).click();
      const input = page.getByRole("textbox", { name: "Conversation title" });
      await input.fill("Renamed **old** chat");
      await input.press("Enter");
      await waitFor(
        "the renamed chat first in Today",
        async () =>
          (await group("Today").locator(".conv-title").allInnerTexts())[0] ===
            "Renamed old chat",
      );
      assert.deepEqual(await page.locator("#sidebar .conv-group-label").allInnerTexts(), ["Today"]);
    });

    await t.step("at phone width the row's actions fit the drawer", async () => {
      const phone = await e2e.newPage({ viewport: { width: 390, height: 844 } });
      try {
        await phone.page.goto(e2e.rg.origin + "/");
        await phone.page.getByRole("button", { name: "Open conversations" }).click();
        await phone.page.locator("#sidebar.open").waitFor();
        const pin = phone.page.getByRole("button", { name: "Pin Pelican nesting habits" });
        await pin.waitFor();
        const box = (await pin.boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
        await pin.click();
        await phone.page.getByRole("group", { name: "Pinned", exact: true }).waitFor();
      } finally {
        await phone.close();
      }
    });

    await t.step(
      "the Settings switch turns titles off: a new chat keeps its first line",
      async () => {
        await page.goto(e2e.rg.origin + "/settings");
        const box = page.getByRole("checkbox", { name: "Let the model title new chats" });
        assert.equal(await box.isChecked(), true);
        await box.uncheck();
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await page.getByText("Settings saved.").waitFor();
        await page.reload();
        assert.equal(await box.isChecked(), false, "saved");
        const asked = e2e.model.chatRequests().length;
        await page.goto(e2e.rg.origin + "/");
        await settled(await sendMessage(page, "Second *question*"));
        await waitForStatus(page, "Reply complete."); // the turn is over: `end` came
        await group("Today").locator(".conv-title", { hasText: "Second question" }).waitFor();
        assert.equal(e2e.model.chatRequests().length, asked + 1, "no title request");
      },
    );

    assert.deepEqual(foreignRequests(), []);
  } finally {
    await e2e.close();
  }
});

/** Sets a conversation's `updated_at` in the database file, as time passing would. */
function setUpdatedAt(dataDir: string, id: string, when: number): void {
  const db = new DatabaseSync(join(dataDir, "rungpt.db"));
  try {
    db.prepare("UPDATE conversations SET updated_at = ? WHERE id = ?").run(when, id);
  } finally {
    db.close();
  }
}
