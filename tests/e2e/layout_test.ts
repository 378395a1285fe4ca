/**
 * Browser tests of layout and scale: a phone-sized screen (composer, drawer, header), the light
 * and dark themes, and a conversation of 2,000 messages that opens with its latest window, loads
 * earlier pages as it scrolls up (keeping the reader's place), is skipped off screen per block,
 * opens an old message from a link, and streams a new reply without touching the other
 * messages' DOM. How fast it scrolls is measured in bench/ (`deno task bench scale`), not here.
 */
import assert from "node:assert/strict";
import type { Page } from "../support/playwright.ts";
import { BLOCK_SIZE } from "../../components/chat/MessageBlock.tsx";
import { PAGE_SIZE } from "../../lib/chat/page_data.ts";
import type { Message } from "../../lib/store/types.ts";
import {
  colours,
  contrast,
  luminance,
  sendMessage,
  settled,
  startE2E,
  waitFor,
} from "./_helpers.ts";

/** Whether the element's box lies within the viewport. */
function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 &&
      r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
  });
}

Deno.test("layout: phone screen and a 2,000-message conversation", async (t) => {
  const e2e = await startE2E({
    model: { responder: (req) => ({ text: `Answer number ${req.index}.`, chunkSize: 4 }) },
  });
  try {
    await t.step("on a 390x844 screen the composer works and the drawer opens", async () => {
      const { page, foreignRequests, close } = await e2e.newPage({
        viewport: { width: 390, height: 844 },
      });
      await page.goto(e2e.rg.origin + "/");
      assert.ok(await inViewport(page, "form.composer"), "the composer is on screen");
      assert.ok(await inViewport(page, "form.composer button[type=submit]"), "Send is on screen");
      assert.equal(await inViewport(page, "#sidebar"), false, "the drawer starts closed");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
      const clipped = await page.getByRole("textbox", { name: "Message" }).evaluate((el) =>
        el.scrollHeight > el.clientHeight + 1
      );
      assert.equal(clipped, false, "the empty composer shows its placeholder unclipped");

      await settled(await sendMessage(page, "Hello from a phone"));
      await page.waitForURL(/\/c\/[^/]+$/);
      assert.ok(await inViewport(page, "article.msg-assistant"), "the answer is on screen");
      assert.ok(await inViewport(page, "form.composer"), "the composer stays on screen");
      // The header of a conversation (with Export) leaves the model picker a usable width,
      // and nothing in it runs off the screen, in either theme.
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        const picker = page.getByRole("combobox", { name: "Model" });
        const width = (await picker.boundingBox())!.width;
        assert.ok(width >= 140, `the model picker is ${width}px wide (${colorScheme})`);
        const overflowing = await page.locator(".chat-header").evaluate((header) =>
          [...header.querySelectorAll("*")].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && (r.left < -0.5 || r.right > innerWidth + 0.5);
          }).map((el) => el.outerHTML.slice(0, 80))
        );
        assert.deepEqual(overflowing, [], `header overflow (${colorScheme})`);
        for (const name of ["System prompt", "Actions"]) {
          const box = (await page.getByRole("button", { name, exact: true }).boundingBox())!;
          assert.ok(box.x >= 0 && box.x + box.width <= 390, `${name} is on screen`);
        }
        assert.ok(await page.getByText("Export", { exact: true }).count(), "Export is named");
        const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(pageWidth <= 390, `no horizontal scrolling (${pageWidth}px, ${colorScheme})`);
        await page.screenshot({ path: `/tmp/rungpt-e2e-phone-chat-${colorScheme}.png` });
      }
      await page.emulateMedia({ colorScheme: null });

      // A long model name wraps in the message's head; its time stays on one line.
      const picker = page.getByRole("combobox", { name: "Model" });
      await picker.fill("an-unusually-long-model-name-from-a-local-server-q4_k_m");
      await picker.press("Enter");
      const long = await sendMessage(page, "And with a long model name?");
      await settled(long);
      const lines = (selector: string) =>
        long.locator(selector).evaluate((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        });
      assert.ok((await lines(".msg-model")) > 1, "the model name wraps");
      assert.equal(await lines(".msg-time"), 1, "the time is on one line");
      const headWidth = await long.locator(".msg-head").evaluate((el) => el.scrollWidth);
      assert.ok(headWidth <= 390, `the message head fits (${headWidth}px)`);

      const menu = page.getByRole("button", { name: "Open conversations" });
      await menu.click();
      assert.equal(await menu.getAttribute("aria-expanded"), "true");
      await waitFor("the drawer on screen", () => inViewport(page, "#sidebar"));
      await page.locator("#sidebar .conv-title", { hasText: "Hello from a phone" }).waitFor();
      await page.getByRole("searchbox", { name: "Search" }).waitFor();
      // The focus moves into the drawer, so Tab goes on through its controls, not behind it.
      const focusIn = () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el?.closest("#sidebar") ? "sidebar" : el?.getAttribute("aria-label") ?? "";
        });
      assert.equal(await focusIn(), "sidebar", "the open drawer has the focus");
      await page.keyboard.press("Tab");
      assert.equal(await focusIn(), "sidebar", "Tab stays in the drawer");
      // Esc closes it again, and the focus is back on the menu button.
      await page.keyboard.press("Escape");
      await waitFor("the drawer closed", async () => !(await inViewport(page, "#sidebar")));
      assert.equal(await menu.getAttribute("aria-expanded"), "false");
      assert.equal(await focusIn(), "Open conversations");
      // "New chat" from the drawer closes it and empties the pane.
      await menu.click();
      await waitFor("the drawer on screen", () => inViewport(page, "#sidebar"));
      await page.getByRole("button", { name: "New chat" }).click();
      await waitFor("the drawer closed", async () => !(await inViewport(page, "#sidebar")));
      await page.waitForURL(e2e.rg.origin + "/");
      await page.screenshot({ path: "/tmp/rungpt-e2e-phone.png" });
      assert.deepEqual(foreignRequests(), []);
      await close();
    });

    await t.step(
      "light and dark themes follow prefers-color-scheme, chat and settings",
      async () => {
        const { page, close } = await e2e.newPage();
        const conv = await e2e.rg.server.services.store.createConversation({ title: "Themes" });
        await e2e.rg.server.services.store.addMessage({
          conversationId: conv.id,
          role: "assistant",
          content: "Some **text** to read.",
          status: "complete",
        });
        const places: Array<[string, string[]]> = [
          [`/c/${conv.id}`, [
            "body",
            ".chat-title",
            "article.msg-assistant .md",
            ".composer-input",
          ]],
          ["/settings", ["body", "h1", "#api-key", "label"]],
        ];
        for (const [path, selectors] of places) {
          const seen: Record<string, Record<string, { fg: number[]; bg: number[] }>> = {};
          for (const colorScheme of ["light", "dark"] as const) {
            await page.emulateMedia({ colorScheme });
            await page.goto(e2e.rg.origin + path);
            await page.locator(selectors[1]).first().waitFor();
            seen[colorScheme] = {};
            for (const sel of selectors) seen[colorScheme][sel] = await colours(page, sel);
            await page.screenshot({
              path: `/tmp/rungpt-e2e-theme-${path.split("/")[1]}-${colorScheme}.png`,
            });
          }
          for (const sel of selectors) {
            const light = seen.light[sel], dark = seen.dark[sel];
            const where = `${path} ${sel}`;
            assert.notDeepEqual(light.bg, dark.bg, `${where}: the background changes`);
            assert.notDeepEqual(light.fg, dark.fg, `${where}: the text colour changes`);
            assert.ok(luminance(light.bg) > 0.7, `${where}: light background ${light.bg}`);
            assert.ok(luminance(dark.bg) < 0.05, `${where}: dark background ${dark.bg}`);
            assert.ok(luminance(dark.fg) > luminance(dark.bg), `${where}: light text on dark`);
            for (const [name, c] of Object.entries({ light, dark })) {
              const ratio = contrast(c.fg, c.bg);
              assert.ok(ratio >= 4.5, `${where}: ${name} text contrast ${ratio.toFixed(1)}`);
            }
          }
        }
        await close();
      },
    );

    await t.step(
      "2,000 messages open, page in as they scroll, and streaming touches only the new reply",
      async () => {
        const store = e2e.rg.server.services.store;
        const conv = await store.createConversation({ title: "Very long chat" });
        const seeded: Message[] = [];
        for (let i = 0; i < 2000; i++) {
          seeded.push(
            await store.addMessage({
              conversationId: conv.id,
              role: i % 2 === 0 ? "user" : "assistant",
              content: i % 2 === 0 ? `Question ${i}` : `Answer ${i} with **bold** and \`code\`.`,
              status: "complete",
              ...(i % 2 ? { model: "gpt-4o" } : {}),
            }),
          );
        }
        const { page, foreignRequests, close } = await e2e.newPage();

        // A link to an old message loads the window down to it and scrolls it into view.
        const old = seeded[500];
        await page.goto(`${e2e.rg.origin}/c/${conv.id}#m-${old.id}`);
        const oldArticle = page.locator(`article#m-${old.id}`);
        await oldArticle.waitFor();
        await waitFor("the linked message on screen", () => inViewport(page, `#m-${old.id}`));
        assert.ok((await page.locator("article.msg").count()) < 2000, "not everything loaded");
        // Markdown renders ahead of the reader: a block never on screen renders once it is
        // within the margin below what the list shows, before it scrolls in; far ones wait.
        const rendered = (message: Message) =>
          page.locator(`.msg-block:has(#m-${message.id}) .md:not([hidden])`).count();
        const [ahead, far] = [seeded[500 + 5 * BLOCK_SIZE], seeded[500 + 9 * BLOCK_SIZE]];
        assert.equal(await rendered(ahead), 0, "a block five further has not been near yet");
        await page.locator(".messages").evaluate((el, id) => {
          const block = el.querySelector(`#m-${id}`)!.closest(".msg-block")!;
          const below = block.getBoundingClientRect().top - el.getBoundingClientRect().bottom;
          el.scrollTop += below - 500; // the block now starts 500 px below the visible part
        }, ahead.id);
        await waitFor(
          "the block below the visible part rendered",
          async () => await rendered(ahead) > 0,
        );
        assert.equal(await rendered(far), 0, "a block far below waits");

        // Opened plainly, only the latest window is rendered.
        await page.goto(`${e2e.rg.origin}/c/${conv.id}`);
        await page.getByRole("textbox", { name: "Message" }).waitFor();
        assert.equal(await page.locator("article.msg").count(), PAGE_SIZE);
        const loadEarlier = page.getByRole("button", { name: "Load earlier messages" });
        await loadEarlier.waitFor({ state: "attached" });
        // Opens at the bottom: the last message is visible.
        const last = page.locator("article.msg").last();
        await waitFor("the last message on screen", () => last.isVisible());
        await waitFor(
          "the list scrolled to its end",
          () =>
            page.locator(".messages").evaluate((el) =>
              el.scrollHeight - el.scrollTop - el.clientHeight < 2
            ),
        );
        // Reaching the top loads the page before; what the reader saw stays where it was.
        const mark = await page.locator(".messages").evaluate((el) => {
          el.scrollTop = 0;
          const first = el.querySelector("article.msg")!;
          return { id: first.id, top: first.getBoundingClientRect().top };
        });
        await waitFor(
          "an earlier page",
          async () => (await page.locator("article.msg").count()) === 2 * PAGE_SIZE,
        );
        const moved = await page.locator(`#${mark.id}`).evaluate((el) =>
          el.getBoundingClientRect().top
        );
        assert.ok(Math.abs(moved - mark.top) <= 2, `kept in place (${mark.top} -> ${moved})`);
        // The button loads a page too, from the keyboard.
        await loadEarlier.focus();
        await page.keyboard.press("Enter");
        await waitFor(
          "another page",
          async () => (await page.locator("article.msg").count()) >= 3 * PAGE_SIZE,
        );
        // Scroll up until the very first message has loaded, then back to the bottom.
        await waitFor("the first message loaded", async () => {
          await page.locator(".messages").evaluate((el) => (el.scrollTop = 0));
          return (await page.locator(`article#m-${seeded[0].id}`).count()) === 1;
        }, 30_000);
        assert.equal(await page.locator("article.msg").count(), 2000);
        assert.equal(await loadEarlier.count(), 0, "no button once everything is loaded");
        // The browser skips off-screen rendering per block of messages, not per message: it
        // checks every such box on every frame, and 2,000 of them made scrolling slow.
        const skipping = await page.locator(".messages-inner").evaluate((inner) => {
          const auto = (el: Element) => getComputedStyle(el).contentVisibility === "auto";
          const articles = [...inner.querySelectorAll("article.msg")];
          return {
            boxes: [...inner.querySelectorAll(":scope > *, :scope > * > *")].filter(auto).length,
            perMessage: articles.filter(auto).length,
            outside: articles.filter((a) => !a.parentElement || !auto(a.parentElement)).length,
          };
        });
        assert.deepEqual(
          { perMessage: skipping.perMessage, outside: skipping.outside },
          { perMessage: 0, outside: 0 },
        );
        assert.ok(skipping.boxes <= 2000 / BLOCK_SIZE + 2, `${skipping.boxes} skippable boxes`);
        await page.locator(".messages").evaluate((el) => (el.scrollTop = 0));
        await waitFor(
          "the first message on screen",
          () =>
            page.locator("article.msg").first().evaluate((el) => {
              const r = el.getBoundingClientRect();
              return r.bottom > 0 && r.top < innerHeight;
            }),
        );
        await page.locator(".messages").focus();
        await page.keyboard.press("End");
        await waitFor(
          "the bottom again",
          () =>
            page.locator(".messages").evaluate((el) =>
              el.scrollHeight - el.scrollTop - el.clientHeight < 2
            ),
        );
        await last.locator(".md strong", { hasText: "bold" }).waitFor();

        // Record every DOM mutation from before sending until the reply is complete.
        await page.evaluate(() => {
          const w = window as unknown as { __mutations: string[] };
          w.__mutations = [];
          const where = (node: Node): string => {
            const el = node instanceof Element ? node : node.parentElement;
            if (!el) {
              return "detached";
            }
            const article = el.closest("article.msg");
            if (article) {
              const part = el.closest(".msg-actions") ? " actions" : "";
              return `article ${article.id}${part}`;
            }
            if (el.closest(".composer-area")) {
              return "composer";
            }
            if (el.closest("[role=status]")) {
              return "status";
            }
            if (el.closest("#sidebar")) {
              return "sidebar";
            }
            // Messages sit in blocks: adding one to a block, or a new block, is the list.
            if (el.matches(".messages-inner, .msg-block")) return "list";
            return `other ${el.tagName.toLowerCase()}.${el.className}`;
          };
          new MutationObserver((records) => {
            for (const r of records) {
              // The list's one flag while a reply runs (CSS hides every Edit button by it).
              if (
                r.type === "attributes" && r.attributeName === "data-running" &&
                r.target instanceof Element && r.target.matches(".messages")
              ) {
                w.__mutations.push("list running");
                continue;
              }
              const at = where(r.target);
              if (at === "list") {
                const ids = (nodes: NodeList) =>
                  [...nodes].flatMap((n) =>
                    n instanceof Element
                      ? n.matches("article.msg")
                        ? [n.id]
                        : [...n.querySelectorAll("article.msg")].map((a) => a.id)
                      : []
                  );
                for (const id of ids(r.addedNodes)) w.__mutations.push(`list +${id}`);
                for (const id of ids(r.removedNodes)) w.__mutations.push(`list -${id}`);
              } else w.__mutations.push(at);
            }
          }).observe(document.body, {
            subtree: true,
            childList: true,
            characterData: true,
            attributes: true,
          });
        });
        const before = await page.locator("article.msg").evaluateAll((els) => els.map((e) => e.id));
        const reply = await sendMessage(page, "One more question");
        await reply.getByText(/Answer number \d+\./).waitFor();
        await settled(reply);
        const after = await page.locator("article.msg").evaluateAll((els) => els.map((e) => e.id));
        assert.deepEqual(after.slice(0, 2000), before, "the old messages stay, in order");
        assert.equal(after.length, 2002);
        const [userId, replyId] = after.slice(2000);
        const mutations = await page.evaluate(() =>
          (window as unknown as { __mutations: string[] }).__mutations
        );
        const places = new Set(mutations);
        assert.ok(places.has(`article ${replyId}`), "the reply grew");
        assert.ok(places.has(`list +${replyId}`) && places.has(`list +${userId}`));
        // The previous last pair only lose their Edit/Regenerate buttons.
        const allowed = new Set([
          `article ${replyId}`,
          `article ${replyId} actions`,
          `article ${userId}`,
          `article ${userId} actions`,
          `list +${replyId}`,
          `list +${userId}`,
          `article ${before[1998]} actions`,
          `article ${before[1999]} actions`,
          "composer",
          "status",
          "sidebar",
          "list running",
        ]);
        const unexpected = [...places].filter((p) => !allowed.has(p));
        assert.deepEqual(unexpected, [], "no other message or region changed");
        assert.ok(await inViewport(page, `article#${replyId} .md-wrap`), "the reply is on screen");
        assert.deepEqual(foreignRequests(), []);
        await close();
      },
    );
  } finally {
    await e2e.close();
  }
});
