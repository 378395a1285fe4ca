/**
 * Browser tests of the conversation list: newest first, search with highlighted matches,
 * regenerate, edit-and-resend, rename and delete.
 */
import assert from "node:assert/strict";
import {
  conversationIdOf,
  hydrated,
  lastAssistant,
  sendMessage,
  settled,
  startE2E,
  waitFor,
} from "./_helpers.ts";

Deno.test("conversations: list, search, regenerate, edit, rename, delete", async (t) => {
  const e2e = await startE2E({
    // Each reply names the request's last user message and its position, so answers differ.
    model: {
      responder: (req) => {
        const last = req.body.messages.at(-1)?.content ?? "";
        return { text: `Reply ${req.index} to: ${last}` };
      },
    },
  });
  const { page, foreignRequests } = await e2e.newPage();
  const store = e2e.rg.server.services.store;
  const sidebarTitles = () => page.locator("#sidebar .conv-list .conv-title").allInnerTexts();
  try {
    let firstId = "";
    let secondId = "";

    await t.step("sent conversations appear in the sidebar, newest first", async () => {
      await page.goto(e2e.rg.origin + "/");
      await settled(await sendMessage(page, "Where do pelicans nest"));
      firstId = conversationIdOf(page)!;
      await page.locator("#sidebar .conv-title", { hasText: "Where do pelicans nest" }).waitFor();

      await page.getByRole("button", { name: "New chat" }).click();
      await page.waitForURL(e2e.rg.origin + "/");
      await settled(await sendMessage(page, "Recipe for lemon cake"));
      secondId = conversationIdOf(page)!;
      assert.notEqual(secondId, firstId);
      await waitFor("both conversations listed", async () => (await sidebarTitles()).length === 2);
      assert.deepEqual(await sidebarTitles(), ["Recipe for lemon cake", "Where do pelicans nest"]);
      assert.equal(
        await page.locator("#sidebar .conv.current .conv-title").innerText(),
        "Recipe for lemon cake",
      );
    });

    await t.step("search shows a marked hit that opens its conversation", async () => {
      await page.getByRole("searchbox", { name: "Search" }).fill("pelicans");
      const hit = page.locator("#sidebar a.hit").first();
      await hit.waitFor();
      assert.equal(await hit.locator(".hit-title").innerText(), "Where do pelicans nest");
      assert.equal((await hit.locator("mark").first().innerText()).toLowerCase(), "pelicans");
      await page.getByRole("searchbox", { name: "Search" }).fill("zebra-nothing");
      await page.getByText("No messages match.").waitFor();
      await page.getByRole("searchbox", { name: "Search" }).fill("pelicans");
      await hit.click();
      await page.waitForURL(new RegExp(`/c/${firstId}$`));
      await page.locator("article.msg-user", { hasText: "Where do pelicans nest" }).waitFor();
      await lastAssistant(page).getByText("to: Where do pelicans nest").waitFor();
      assert.equal(await page.locator("h1.chat-title").innerText(), "Where do pelicans nest");
      // Clearing the search brings the list back.
      await page.getByRole("searchbox", { name: "Search" }).fill("");
      await waitFor("the list back", async () => (await sidebarTitles()).length === 2);
      // Back and forward move between the conversations.
      await page.goBack();
      await page.waitForURL(new RegExp(`/c/${secondId}$`));
      await page.locator("article.msg-user", { hasText: "Recipe for lemon cake" }).waitFor();
      await page.goForward();
      await page.waitForURL(new RegExp(`/c/${firstId}$`));
      await page.locator("article.msg-user", { hasText: "Where do pelicans nest" }).waitFor();
      assert.equal(await page.locator("article.msg-user").count(), 1);
    });

    await t.step("Regenerate answers the last user message again", async () => {
      const requests = e2e.model.chatRequests().length;
      await page.getByRole("button", { name: "Regenerate" }).click();
      await waitFor("a new request", () => e2e.model.chatRequests().length === requests + 1);
      const index = e2e.model.chatRequests().at(-1)!.index;
      const reply = lastAssistant(page);
      await reply.getByText(`Reply ${index} to: Where do pelicans nest`).waitFor();
      await settled(reply);
      assert.equal(await page.locator("article.msg-assistant").count(), 1, "replaced, not added");
      const sent = e2e.model.chatRequests().at(-1)!.body.messages;
      assert.deepEqual(sent.at(-1), { role: "user", content: "Where do pelicans nest" });
      assert.equal(sent.filter((m: { role: string }) => m.role === "assistant").length, 0);
      const saved = await store.listMessages(firstId);
      assert.deepEqual(saved.map((m) => m.role), ["user", "assistant"]);
      // The conversation that just got an answer moves to the top of the list.
      await waitFor(
        "the answered conversation on top",
        async () => (await sidebarTitles())[0] === "Where do pelicans nest",
      );
    });

    await t.step("Edit resends the last user message with new text", async () => {
      await page.locator("article.msg-user").last().hover();
      await page.locator("article.msg-user").last().getByRole("button", { name: "Edit" }).click();
      const edit = page.getByRole("textbox", { name: "Edit message" });
      assert.equal(await edit.inputValue(), "Where do pelicans nest");
      await edit.fill("Where do flamingos nest");
      await page.getByRole("button", { name: "Save and send" }).click();
      await lastAssistant(page).getByText("to: Where do flamingos nest").waitFor();
      await settled(lastAssistant(page));
      assert.deepEqual(await page.locator("article.msg-user .user-text").allInnerTexts(), [
        "Where do flamingos nest",
      ]);
      assert.equal(await page.locator("article.msg-assistant").count(), 1);
      const saved = await store.listMessages(firstId);
      assert.deepEqual(saved.map((m) => [m.role, m.content.replace(/^Reply \d+ /, "")]), [
        ["user", "Where do flamingos nest"],
        ["assistant", "to: Where do flamingos nest"],
      ]);
    });

    await t.step("leaving a conversation mid-reply and coming back reattaches", async () => {
      e2e.model.enqueue({ chunks: ["Still ", "thinking"], hang: true });
      await page.getByRole("button", { name: "New chat" }).click();
      await sendMessage(page, "A question that takes long");
      await lastAssistant(page).getByText("Still thinking").waitFor();
      const longId = conversationIdOf(page)!;
      // While it streams, the new conversation already shows its title, on top.
      await page.locator("h1.chat-title", { hasText: "A question that takes long" }).waitFor();
      await waitFor(
        "the new title on top of the list",
        async () => (await sidebarTitles())[0] === "A question that takes long",
      );

      await page.locator("#sidebar .conv-link", { hasText: "Where do pelicans nest" }).click();
      await page.waitForURL(new RegExp(`/c/${firstId}$`));
      await lastAssistant(page).getByText("to: Where do flamingos nest").waitFor();
      await page.getByRole("button", { name: "Send" }).waitFor();

      await page.locator("#sidebar .conv-link", { hasText: "A question that takes long" })
        .click();
      await page.waitForURL(new RegExp(`/c/${longId}$`));
      const reply = lastAssistant(page);
      await reply.getByText("Still thinking").waitFor();
      assert.equal(await reply.getAttribute("data-status"), "streaming");
      const aborts = e2e.model.aborts.length;
      await page.getByRole("button", { name: "Stop" }).click();
      await settled(reply, "stopped");
      await e2e.model.waitForAborts(aborts + 1);
      await page.getByRole("button", { name: `Delete A question that takes long` }).click();
      await page.getByRole("button", { name: "Confirm delete" }).click();
      await waitFor("two conversations left", async () => (await sidebarTitles()).length === 2);
      await page.locator("#sidebar .conv-link", { hasText: "Where do pelicans nest" }).click();
      await page.waitForURL(new RegExp(`/c/${firstId}$`));
    });

    await t.step("rename from the sidebar", async () => {
      await page.getByRole("button", { name: "Rename Where do pelicans nest" }).click();
      const input = page.getByRole("textbox", { name: "Conversation title" });
      await input.fill("Bird homes");
      await input.press("Enter");
      await page.locator("#sidebar .conv-title", { hasText: "Bird homes" }).waitFor();
      await page.locator("h1.chat-title", { hasText: "Bird homes" }).waitFor();
      assert.equal((await store.getConversation(firstId))?.title, "Bird homes");
      await page.reload();
      assert.ok((await sidebarTitles()).includes("Bird homes"), "the new title is persisted");
    });

    await t.step("delete the open conversation, then another one", async () => {
      await hydrated(page); // the step before ends with a reload
      await page.getByRole("button", { name: "Delete Bird homes" }).click();
      await page.getByRole("button", { name: "Confirm delete" }).click();
      await waitFor("one conversation left", async () => (await sidebarTitles()).length === 1);
      assert.deepEqual(await sidebarTitles(), ["Recipe for lemon cake"]);
      await page.waitForURL(e2e.rg.origin + "/");
      assert.equal(await page.locator("article.msg").count(), 0, "the deleted chat is gone");
      assert.equal(await store.getConversation(firstId), null);
      assert.deepEqual(await store.listMessages(firstId), []);

      await page.getByRole("button", { name: "Delete Recipe for lemon cake" }).click();
      await page.getByRole("button", { name: "Confirm delete" }).click();
      await page.getByText("No conversations yet.").waitFor();
      assert.equal(await store.getConversation(secondId), null);
      await page.reload();
      await page.getByText("No conversations yet.").waitFor();
    });

    await t.step("per-conversation model and system prompt; export; copy", async () => {
      await hydrated(page); // the step before ends with a reload
      await page.getByRole("combobox", { name: "Model" }).fill("gpt-4o-mini");
      await page.getByRole("combobox", { name: "Model" }).press("Enter");
      await page.getByRole("button", { name: "System prompt" }).click();
      await page.getByRole("textbox", { name: "System prompt for this conversation" })
        .fill("Answer like a pirate.");
      await page.getByRole("button", { name: "Save prompt" }).click();
      await settled(await sendMessage(page, "Ahoy there"));
      const sent = e2e.model.chatRequests().at(-1)!.body;
      assert.equal(sent.model, "gpt-4o-mini");
      assert.deepEqual(sent.messages[0], { role: "system", content: "Answer like a pirate." });
      const id = conversationIdOf(page)!;
      const conv = await store.getConversation(id);
      assert.equal(conv?.model, "gpt-4o-mini");
      assert.equal(conv?.systemPrompt, "Answer like a pirate.");
      // Both survive a reload.
      await page.reload();
      assert.equal(await page.getByRole("combobox", { name: "Model" }).inputValue(), "gpt-4o-mini");

      await page.getByText("Export", { exact: true }).click();
      const md = page.getByRole("link", { name: "Export Markdown" });
      const json = page.getByRole("link", { name: "Export JSON" });
      await md.waitFor();
      const mdText = await (await page.request.get(
        new URL(
          (await md.getAttribute("href"))!,
          e2e.rg.origin,
        ).href,
      )).text();
      assert.match(mdText, /^# Ahoy there/);
      assert.match(mdText, /Answer like a pirate\./);
      assert.match(mdText, /to: Ahoy there/);
      const exported = await (await page.request.get(
        new URL(
          (await json.getAttribute("href"))!,
          e2e.rg.origin,
        ).href,
      )).json();
      assert.equal(exported.conversation.id, id);
      assert.deepEqual(
        exported.messages.map((m: { role: string }) => m.role),
        ["user", "assistant"],
      );

      await lastAssistant(page).getByRole("button", { name: "Copy" }).click();
      const copied = await waitFor(
        "the clipboard",
        () => page.evaluate(() => navigator.clipboard.readText()),
      );
      assert.match(copied, /^Reply \d+ to: Ahoy there$/);
    });

    await t.step(
      "a system prompt left unsaved in its editor is the one the reply gets",
      async () => {
        // New chat: typed, not saved, then Send.
        await page.getByRole("button", { name: "New chat" }).click();
        await page.getByRole("button", { name: "System prompt" }).click();
        const editor = page.getByRole("textbox", { name: "System prompt for this conversation" });
        await editor.waitFor();
        assert.equal(
          await page.evaluate(() => document.activeElement?.id),
          "system-prompt-text",
          "the opened editor has the focus",
        );
        await page.keyboard.type("Answer in haiku.");
        await page.getByRole("textbox", { name: "Message" }).fill("Autumn leaves");
        await page.getByRole("button", { name: "Send" }).click();
        await settled(lastAssistant(page));
        const systemOf = () =>
          e2e.model.chatRequests().at(-1)!.body.messages
            .filter((m: { role: string }) => m.role === "system")
            .map((m: { content: string }) => m.content);
        assert.deepEqual(systemOf(), ["Answer in haiku."]);
        assert.equal(await editor.count(), 0, "applied, the editor closed");
        const id = conversationIdOf(page)!;
        assert.equal((await store.getConversation(id))?.systemPrompt, "Answer in haiku.");

        // An existing conversation: changed, not saved, then Enter in the composer.
        await page.getByRole("button", { name: "System prompt" }).click();
        assert.equal(await editor.inputValue(), "Answer in haiku.");
        await editor.fill("Answer in limericks.");
        await settled(await sendMessage(page, "Winter snow"));
        assert.deepEqual(systemOf(), ["Answer in limericks."]);
        assert.equal((await store.getConversation(id))?.systemPrompt, "Answer in limericks.");

        // Esc still discards the edit.
        await page.getByRole("button", { name: "System prompt" }).click();
        await editor.fill("Discard me.");
        await editor.press("Escape");
        assert.equal(await editor.count(), 0);
        await settled(await sendMessage(page, "Spring rain"));
        assert.deepEqual(systemOf(), ["Answer in limericks."]);

        // The editor does not carry one conversation's text into another.
        await page.getByRole("button", { name: "System prompt" }).click();
        await editor.fill("Not for the other one.");
        await page.locator("#sidebar .conv-link", { hasText: "Ahoy there" }).click();
        await page.locator("h1.chat-title", { hasText: "Ahoy there" }).waitFor();
        assert.equal(await editor.count(), 0);
      },
    );

    await t.step(
      "the Export menu closes on choosing, on Esc and on a click elsewhere",
      async () => {
        const menu = page.locator("details.menu");
        const isOpen = () => menu.evaluate((d) => (d as HTMLDetailsElement).open);
        const summary = menu.locator("summary");
        await summary.click();
        assert.equal(await isOpen(), true);
        await page.keyboard.press("Escape");
        assert.equal(await isOpen(), false, "Esc closes it");
        assert.equal(await page.evaluate(() => document.activeElement?.tagName), "SUMMARY");
        await summary.click();
        await page.locator("h1.chat-title").click();
        assert.equal(await isOpen(), false, "a click elsewhere closes it");
        await summary.click();
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("link", { name: "Export JSON" }).click(),
        ]);
        assert.match(download.suggestedFilename(), /\.json$/);
        assert.equal(await isOpen(), false, "choosing a download closes it");
      },
    );

    await t.step("in Edit, Enter resends and Shift+Enter adds a line", async () => {
      await page.locator("article.msg-user").last().hover();
      await page.locator("article.msg-user").last().getByRole("button", { name: "Edit" }).click();
      const edit = page.getByRole("textbox", { name: "Edit message" });
      const before = await edit.inputValue();
      assert.deepEqual(
        await edit.evaluate((el) => {
          const t = el as HTMLTextAreaElement;
          return [t.selectionStart, t.selectionEnd];
        }),
        [before.length, before.length],
        "the caret starts at the end",
      );
      await edit.press("Shift+Enter");
      await edit.pressSequentially("and why");
      assert.equal(await edit.inputValue(), `${before}\nand why`);
      const requests = e2e.model.chatRequests().length;
      await edit.press("Enter");
      await waitFor("the resent message", () => e2e.model.chatRequests().length === requests + 1);
      assert.deepEqual(
        e2e.model.chatRequests().at(-1)!.body.messages.at(-1),
        { role: "user", content: `${before}\nand why` },
      );
      await settled(lastAssistant(page));
      assert.equal(await edit.count(), 0);
      assert.equal(
        await page.locator("article.msg-user .user-text").last().innerText(),
        `${before}\nand why`,
      );
    });

    assert.deepEqual(foreignRequests(), [], "every request went to rungpt");
  } finally {
    await e2e.close();
  }
});
