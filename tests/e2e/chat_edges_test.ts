/**
 * Browser tests of the chat's rough edges (issue 15): a call to a plugin that is not installed,
 * "Jump to latest", a search hit scrolled to and highlighted, Esc and panels that take turns, a
 * running action's elapsed time and limit, keyboard stops, table alignment, and titles and
 * snippets without markdown. Desktop and phone sizes where layout matters.
 */
import assert from "node:assert/strict";
import type { Page } from "../support/playwright.ts";
import { installPlugins, putSettings, WEB } from "../support/action_fixtures.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";
import { conversationIdOf, sendMessage, settled, startE2E, waitFor } from "./_helpers.ts";

const PHONE = { width: 390, height: 844 };

/** A long reply: many paragraphs, with `word` in one near the end. */
function longText(word = ""): string {
  return Array.from(
    { length: 120 },
    (_, i) => i === 100 && word ? `Paragraph ${i} mentions ${word} here.` : `Paragraph ${i}.`,
  ).join("\n\n");
}

const TABLE = "| Left | Centre | Right |\n|:--|:-:|--:|\n| a | b | 1.50 |\n| c | d | 22.00 |";

/** Answers by the user's last message, so each step asks for what it needs. */
function responder(gateUrl: () => string) {
  return (req: RecordedRequest): Reply => {
    const messages = req.body.messages as { role: string; content: string }[];
    const last = messages.at(-1)?.content ?? "";
    if (last.includes("[rungpt: results")) return { text: "Fetched it." };
    if (last === "table please") return { text: TABLE };
    if (last === "long please") return { text: longText() };
    if (last === "needle please") return { text: longText("zebrafinch") };
    if (last === "weather please") {
      return { text: 'Checking. <action name="weather.forecast">{"city":"Paris"}</action>' };
    }
    if (last === "fetch please") {
      return { text: `<action name="web.get">{"url":"${gateUrl()}"}</action>` };
    }
    return { text: `Reply to: ${last}` };
  };
}

/** A 127.0.0.1 server that holds every request until `open()`: the action runs until then. */
function startGate() {
  const gate = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await gate.promise;
    return new Response("gate open");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    open: () => gate.resolve(),
    async close() {
      gate.resolve();
      await server.shutdown();
    },
  };
}

/** How far the message list is from its bottom, in pixels. */
function distanceFromBottom(page: Page): Promise<number> {
  return page.locator(".messages").evaluate((el) =>
    el.scrollHeight - el.scrollTop - el.clientHeight
  );
}

async function newChat(page: Page): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  await page.waitForURL(/\/$/);
}

Deno.test("chat edges: missing plugins, jump to latest, search hits, panels, keyboard, tables", async (t) => {
  const gate = startGate();
  const e2e = await startE2E({
    model: { responder: responder(() => gate.url) },
    rungpt: { env: { RUNGPT_ACTION_TIMEOUT_MS: "90000" } },
  });
  const { rg } = e2e;
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await installPlugins(rg, [{ ...WEB, actions: [{ ...WEB.actions[0], description: "Get." }] }]);
    await putSettings(rg, { actionMode: "tags" });
    await page.goto(rg.origin + "/");

    await t.step("a call to a plugin that is not installed: one notice with a link", async () => {
      const reply = await sendMessage(page, "weather please");
      await settled(reply);
      const notice = reply.getByText(/No plugin named "weather" is installed/);
      await notice.waitFor();
      assert.equal(await reply.locator("p", { hasText: "No plugin named" }).count(), 1);
      assert.equal(
        await reply.getByRole("link", { name: "Plugins" }).getAttribute("href"),
        "/plugins",
      );
      assert.doesNotMatch(await reply.innerText(), /"city"/, "no bare JSON in the text");
      assert.equal(e2e.model.chatRequests().length, 1, "no rounds spent");
    });

    await t.step("a running action shows its elapsed time, ticking, and its limit", async () => {
      await newChat(page);
      const reply = await sendMessage(page, "fetch please");
      const card = reply.locator("details.action-card", { has: page.getByText("web.get") });
      const timer = card.getByRole("timer");
      await timer.waitFor();
      assert.match(await timer.innerText(), /^\d+ s of 1 min 30 s limit$/);
      // It ticks: a second later it no longer reads 0 s.
      await waitFor(
        "the elapsed time to tick",
        async () => /^[1-9]\d* s of 1 min 30 s limit$/.test(await timer.innerText()),
      );
      gate.open();
      await settled(reply);
      assert.equal(await card.getByRole("timer").count(), 0, "no timer once done");
    });

    await t.step("table columns keep their alignment", async () => {
      await newChat(page);
      const reply = await sendMessage(page, "table please");
      await settled(reply);
      const table = reply.locator("table");
      await table.waitFor();
      const aligns = await table.locator("tr").nth(1).locator("td").evaluateAll((cells) =>
        cells.map((c) => getComputedStyle(c).textAlign)
      );
      assert.deepEqual(aligns, ["left", "center", "right"]);
      const head = await table.locator("th").evaluateAll((cells) =>
        cells.map((c) => getComputedStyle(c).textAlign)
      );
      assert.deepEqual(head, ["left", "center", "right"]);
    });

    await t.step("titles and search snippets show text, not markdown", async () => {
      await newChat(page);
      await settled(await sendMessage(page, "**Bold** plan with `code`"));
      const title = page.locator("#sidebar .conv.current .conv-title");
      await waitFor("the title", async () => (await title.innerText()) === "Bold plan with code");
      assert.equal(await page.locator("h1.chat-title").innerText(), "Bold plan with code");
      await page.getByRole("searchbox", { name: "Search" }).fill("plan");
      const hit = page.locator("#sidebar a.hit").first();
      await hit.waitFor();
      assert.doesNotMatch(await hit.innerText(), /\*\*|`/);
      assert.match(await hit.locator(".hit-snippet").innerText(), /Bold plan with code/);
      await page.getByRole("searchbox", { name: "Search" }).fill("");
    });

    let needleId = "";
    await t.step("a search hit scrolls to the matched words and highlights them", async () => {
      await newChat(page);
      await settled(await sendMessage(page, "needle please"));
      needleId = conversationIdOf(page)!;
      await newChat(page);
      await settled(await sendMessage(page, "something else"));
      await page.getByRole("searchbox", { name: "Search" }).fill("zebrafinch");
      const hit = page.locator("#sidebar a.hit").first();
      await hit.waitFor();
      await hit.click();
      await page.waitForURL(new RegExp(`/c/${needleId}$`));
      const found = await waitFor("the highlight", () =>
        page.evaluate(() => {
          const h = CSS.highlights.get("search-hit");
          const range = h ? [...h][0] as Range : undefined;
          if (!range) return null;
          const box = range.getBoundingClientRect();
          const view = document.querySelector(".messages")!.getBoundingClientRect();
          const inView = box.top >= view.top && box.bottom <= view.bottom && box.height > 0;
          // The list may still be scrolling there (and markdown rendering): wait until it is.
          return inView ? { text: range.toString(), inView } : null;
        }));
      assert.deepEqual(found, { text: "zebrafinch", inView: true });
      await page.getByRole("searchbox", { name: "Search" }).fill("");
    });

    await t.step("Jump to latest: shown when scrolled up, takes the reader back", async () => {
      const jump = page.getByRole("button", { name: "Jump to latest" });
      // The search hit left the reader above the end of the long reply.
      await jump.waitFor();
      await jump.click();
      await waitFor("the bottom", async () => (await distanceFromBottom(page)) < 2);
      await jump.waitFor({ state: "detached" });
      await page.locator(".messages").evaluate((el) => (el.scrollTop = 0));
      await jump.waitFor();
    });

    await t.step("Esc closes the Actions panel; panels under the header take turns", async () => {
      const actions = page.getByRole("button", { name: "Actions", exact: true });
      const panel = page.locator("#actions-panel");
      const prompt = page.getByRole("textbox", { name: "System prompt for this conversation" });
      await actions.click();
      await panel.waitFor();
      await page.getByRole("button", { name: "System prompt" }).click();
      await prompt.waitFor();
      assert.equal(await panel.count(), 0, "the prompt editor closed the Actions panel");
      await actions.click();
      await panel.waitFor();
      assert.equal(await prompt.count(), 0, "the Actions panel closed the prompt editor");
      // Esc with the focus outside the panel still closes it.
      await page.getByRole("textbox", { name: "Message" }).focus();
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
    });

    await t.step(
      "keyboard: skip link first, one Tab stop per row, focus back after rename",
      async () => {
        await page.goto(rg.origin + `/c/${needleId}`);
        // The page focuses the message box on load, so look at the order, not the first Tab.
        const first = await page.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>("a[href], button, input, textarea, summary")]
            .find((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled)?.textContent
            ?.trim()
        );
        assert.equal(first, "Skip to chat");
        const skip = page.getByRole("link", { name: "Skip to chat" });
        await skip.focus();
        assert.ok((await skip.boundingBox())!.y >= 0, "shown when focused");
        await page.keyboard.press("Enter");
        assert.equal(
          await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
          "Message",
        );

        // From the first row's link, Tab leaves the list after one stop per row.
        const links = page.locator("#sidebar a.conv-link");
        const rows = await links.count();
        assert.ok(rows >= 4);
        await links.first().focus();
        const stops: string[] = [];
        for (let i = 0; i < rows; i++) {
          stops.push(await page.evaluate(() => document.activeElement?.className ?? ""));
          await page.keyboard.press("Tab");
        }
        assert.deepEqual(stops, Array(rows).fill("conv-link"));
        // Arrows move between rows; F2 renames, and the focus comes back to the row.
        await links.first().focus();
        await page.keyboard.press("ArrowDown");
        assert.equal(await links.nth(1).evaluate((el) => el === document.activeElement), true);
        await page.keyboard.press("F2");
        const edit = page.getByRole("textbox", { name: "Conversation title" });
        await edit.fill("Renamed by keyboard");
        await edit.press("Enter");
        await page.locator("#sidebar .conv-title", { hasText: "Renamed by keyboard" }).waitFor();
        await waitFor(
          "the focus back on the row",
          () =>
            page.evaluate(() =>
              document.activeElement?.classList.contains("conv-link") &&
              document.activeElement.textContent?.includes("Renamed by keyboard")
            ),
        );

        // Renaming from the header gives the focus back to its Rename button.
        await page.getByRole("button", { name: "Rename conversation" }).click();
        await edit.fill("Renamed in the header");
        await edit.press("Enter");
        await page.locator("h1.chat-title", { hasText: "Renamed in the header" }).waitFor();
        await waitFor(
          "the focus back on Rename",
          () =>
            page.evaluate(() =>
              document.activeElement?.getAttribute("aria-label") === "Rename conversation"
            ),
        );
      },
    );

    await t.step("phone: Jump to latest and Esc on the drawer and the Actions panel", async () => {
      const phone = await e2e.newPage({ viewport: PHONE });
      try {
        await phone.page.goto(rg.origin + "/");
        await settled(await sendMessage(phone.page, "long please"));
        assert.ok((await distanceFromBottom(phone.page)) < 2, "at the end after the reply");
        const jump = phone.page.getByRole("button", { name: "Jump to latest" });
        assert.equal(await jump.count(), 0);
        await phone.page.locator(".messages").evaluate((el) => (el.scrollTop = 0));
        await jump.waitFor();
        const box = (await jump.boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, "inside the screen");
        await jump.click();
        await waitFor("the bottom", async () => (await distanceFromBottom(phone.page)) < 2);

        await phone.page.getByRole("button", { name: "Actions", exact: true }).click();
        await phone.page.locator("#actions-panel").waitFor();
        await phone.page.getByRole("button", { name: "Open conversations" }).click();
        await phone.page.locator("#sidebar.open").waitFor();
        await phone.page.keyboard.press("Escape");
        await phone.page.locator("#sidebar.open").waitFor({ state: "detached" });
        assert.equal(await phone.page.locator("#actions-panel").count(), 1, "one Esc, one panel");
        await phone.page.keyboard.press("Escape");
        await phone.page.locator("#actions-panel").waitFor({ state: "detached" });
      } finally {
        await phone.close();
      }
    });

    await t.step("nothing left the rungpt origin", () => {
      assert.deepEqual(foreignRequests(), []);
    });
  } finally {
    await e2e.close();
    await gate.close();
  }
});
