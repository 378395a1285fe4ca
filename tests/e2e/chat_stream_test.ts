/**
 * Browser tests of one chat turn: typing and sending, watching the reply stream, markdown,
 * stopping (button and Esc), reloading mid-reply, and Shift+Enter.
 */
import assert from "node:assert/strict";
import type { Locator } from "../support/playwright.ts";
import {
  conversationIdOf,
  lastAssistant,
  sendMessage,
  settled,
  startE2E,
  waitFor,
  waitForStatus,
} from "./_helpers.ts";

const LONG_TEXT = "The quick brown fox jumps over the lazy dog while the cat watches.";
const MARKDOWN = "Here is **bold** text.\n\n```js\nconst answer = 42;\n```\n";

/** Reads a reply's text until it is no longer streaming, keeping each change. */
async function observeGrowth(article: Locator): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const [status, text] = await article.evaluate((el) => [
      el.getAttribute("data-status"),
      el.querySelector(".md-wrap")?.textContent ?? "",
    ]);
    const trimmed = (text ?? "").trim();
    if (trimmed && trimmed !== seen.at(-1)) seen.push(trimmed);
    if (status !== "streaming") return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("chat: send, stream, markdown, stop, reload, Shift+Enter", async (t) => {
  const e2e = await startE2E({
    model: { responder: () => ({ status: 500, message: "no reply scripted for this step" }) },
  });
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await t.step("a typed message streams a reply that grows, then renders markdown", async () => {
      e2e.model.enqueue(
        { text: LONG_TEXT, chunkSize: 3, delayMs: 60 },
        { text: MARKDOWN, chunkSize: 5, delayMs: 20 },
      );
      await page.goto(e2e.rg.origin + "/");
      const reply = await sendMessage(page, "Tell me about the fox");
      await page.waitForURL(/\/c\/[^/]+$/);
      const growth = await observeGrowth(reply);
      assert(growth.length >= 3, `the reply grew in ${growth.length} observations`);
      for (let i = 1; i < growth.length; i++) {
        assert(growth[i].startsWith(growth[i - 1]), `"${growth[i - 1]}" grew into "${growth[i]}"`);
      }
      assert.deepEqual(growth.at(-1), LONG_TEXT);
      await waitForStatus(page, "Reply complete.");
      assert.equal(
        await page.locator("article.msg-user .user-text").first().innerText(),
        "Tell me about the fox",
      );
      const id = conversationIdOf(page);
      assert(id, "the URL names the conversation");
      assert(await e2e.rg.server.services.store.getConversation(id), "the URL's id exists");

      const code = await sendMessage(page, "Show me some code");
      await settled(code);
      await code.locator(".md strong", { hasText: "bold" }).waitFor();
      const block = code.locator(".code-block");
      await block.getByRole("button", { name: "Copy code" }).waitFor();
      await block.locator("code.hljs .hljs-keyword", { hasText: "const" }).waitFor();
      // The last render (after the closing fence arrived) replaces the streaming ones.
      await waitFor(
        "the final code block",
        async () => (await block.locator("code").innerText()) === "const answer = 42;\n",
      );
      await block.getByRole("button", { name: "Copy code" }).click();
      await block.getByRole("button", { name: "Copy code" }).and(page.getByText("Copied"))
        .waitFor();
      assert.equal(
        await page.evaluate(() => navigator.clipboard.readText()),
        "const answer = 42;\n",
      );
      assert.deepEqual(conversationIdOf(page), id, "the same conversation");
    });

    await t.step("Stop keeps the partial text, marks it stopped and aborts upstream", async () => {
      e2e.model.enqueue({ chunks: ["Partial ", "answer"], delayMs: 10, hang: true });
      const aborts = e2e.model.aborts.length;
      const reply = await sendMessage(page, "Go on forever");
      await reply.getByText("Partial answer").waitFor();
      await page.getByRole("button", { name: "Stop" }).click();
      await settled(reply, "stopped");
      await waitForStatus(page, "Stopped.");
      assert.deepEqual((await reply.locator(".md-wrap").innerText()).trim(), "Partial answer");
      await e2e.model.waitForAborts(aborts + 1);
      const saved = await e2e.rg.server.services.store.listMessages(conversationIdOf(page)!);
      assert.deepEqual(saved.at(-1)?.status, "stopped");
      assert.deepEqual(saved.at(-1)?.content, "Partial answer");
      await page.getByRole("button", { name: "Send" }).waitFor();
    });

    await t.step("Esc stops a generation too", async () => {
      e2e.model.enqueue({ chunks: ["Stop ", "me"], delayMs: 10, hang: true });
      const aborts = e2e.model.aborts.length;
      const reply = await sendMessage(page, "Another endless one");
      await reply.getByText("Stop me").waitFor();
      await page.getByRole("textbox", { name: "Message" }).press("Escape");
      await settled(reply, "stopped");
      assert.deepEqual((await reply.locator(".md-wrap").innerText()).trim(), "Stop me");
      await e2e.model.waitForAborts(aborts + 1);
      // Esc also works when the focus is elsewhere on the page.
      e2e.model.enqueue({ chunks: ["Once ", "more"], delayMs: 10, hang: true });
      await sendMessage(page, "And again");
      await lastAssistant(page).getByText("Once more").waitFor();
      await page.locator("h1.chat-title").click();
      await page.keyboard.press("Escape");
      await settled(lastAssistant(page), "stopped");
      await e2e.model.waitForAborts(aborts + 2);
    });

    await t.step("a reload mid-reply shows the text so far and keeps streaming", async () => {
      const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
      const full = words.join(" ");
      e2e.model.enqueue({ chunks: words.map((w, i) => (i ? " " : "") + w), delayMs: 100 });
      await sendMessage(page, "Count slowly");
      const url = await waitFor("the URL of the conversation", () => conversationIdOf(page));
      await lastAssistant(page).getByText("word3", { exact: false }).waitFor();
      const before = await page.url();
      await page.reload();
      assert.deepEqual(page.url(), before, "the URL survives the reload");
      assert.deepEqual(conversationIdOf(page), url);
      const reply = lastAssistant(page);
      // Right after the reload: the server-rendered text so far, still streaming.
      const first = (await reply.locator(".md-wrap").innerText()).trim();
      assert.ok(first.startsWith("word0 word1 word2 word3"), first);
      assert(full.startsWith(first), `"${first}" is a prefix of the reply`);
      assert.deepEqual(await reply.getAttribute("data-status"), "streaming");
      // Then it keeps growing, through the reattached event stream, to the full reply.
      await reply.and(page.locator("[data-status=complete]")).waitFor({ timeout: 15_000 });
      assert.deepEqual((await reply.locator(".md-wrap").innerText()).trim(), full);
      await waitForStatus(page, "Reply complete.");
    });

    await t.step("after a reload, Stop still stops the reattached reply", async () => {
      e2e.model.enqueue({ chunks: ["Hanging ", "on"], delayMs: 10, hang: true });
      const aborts = e2e.model.aborts.length;
      const reply = await sendMessage(page, "Hang on");
      await reply.getByText("Hanging on").waitFor();
      await page.reload();
      await page.getByRole("button", { name: "Stop" }).click();
      await settled(lastAssistant(page), "stopped");
      assert.equal(
        (await lastAssistant(page).locator(".md-wrap").innerText()).trim(),
        "Hanging on",
      );
      await e2e.model.waitForAborts(aborts + 1);
      await waitForStatus(page, "Stopped.");
    });

    await t.step("Shift+Enter adds a line; Enter sends both lines", async () => {
      e2e.model.enqueue({ text: "Two lines received." });
      const box = page.getByRole("textbox", { name: "Message" });
      const users = await page.locator("article.msg-user").count();
      await box.click();
      await box.pressSequentially("first line");
      await box.press("Shift+Enter");
      await box.pressSequentially("second line");
      assert.deepEqual(await box.inputValue(), "first line\nsecond line");
      assert.deepEqual(await page.locator("article.msg-user").count(), users, "nothing was sent");
      await box.press("Enter");
      await lastAssistant(page).getByText("Two lines received.").waitFor();
      assert.deepEqual(
        await page.locator("article.msg-user .user-text").last().innerText(),
        "first line\nsecond line",
      );
      assert.deepEqual(await box.inputValue(), "");
      const last = e2e.model.chatRequests().at(-1)!.body.messages.at(-1);
      assert.deepEqual(last, { role: "user", content: "first line\nsecond line" });
    });

    assert.deepEqual(foreignRequests(), [], "every request went to rungpt");
  } finally {
    await e2e.close();
  }
});

Deno.test("chat: the event stream drops mid-reply and the reply ends meanwhile: once reconnected, the page shows it finished", async () => {
  const e2e = await startE2E({
    model: {
      responder: () => ({ text: "Finished while the tab was away.", chunkSize: 4, delayMs: 40 }),
    },
  });
  const { page } = await e2e.newPage();
  try {
    // The first connection ends right after its snapshot; the reply goes on without the tab,
    // which reconnects (EventSource does so on its own) only once the reply is over.
    let dropped = false;
    await page.route("**/api/conversations/*/events", async (route) => {
      if (dropped) return await route.continue();
      dropped = true;
      const whole = await (await route.fetch()).text(); // until the turn's end
      const snapshot = whole.slice(0, whole.indexOf("\n\n") + 2);
      assert.match(snapshot, /^event: snapshot\n/);
      await route.fulfill({
        status: 200,
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
        body: `retry: 50\n\n${snapshot}`,
      });
    });
    await page.goto(e2e.rg.origin);
    const reply = await sendMessage(page, "Go on without me");
    await settled(reply);
    assert.equal(
      (await reply.locator(".md-wrap").innerText()).trim(),
      "Finished while the tab was away.",
    );
    await reply.getByRole("button", { name: "Regenerate" }).waitFor();
    await waitForStatus(page, "Reply complete.");
  } finally {
    await e2e.close();
  }
});
