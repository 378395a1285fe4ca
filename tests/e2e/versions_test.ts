/**
 * Reply versions in the browser (issue 15 item 2): regenerate keeps the old reply behind a
 * "1 / 2" switcher, the conversation goes on from the version shown (and the model is sent
 * only that branch), a reload shows the same branch, and an earlier question can be edited
 * with what followed the old one still reachable.
 */
import assert from "node:assert/strict";
import type { Locator, Page } from "../support/playwright.ts";
import type { RecordedRequest, Reply } from "../support/scripted_model.ts";
import { lastAssistant, sendMessage, settled, startE2E, waitFor } from "./_helpers.ts";

/** Each answer names its request, so every version's text differs. */
function responder(req: RecordedRequest): Reply {
  const messages = req.body.messages as { role: string; content: string }[];
  return { text: `Answer ${req.index} to: ${messages.at(-1)?.content}` };
}

const place = (article: Locator) => article.locator(".versions-place").innerText();
const texts = (page: Page) =>
  page.locator("article.msg-user .user-text, article.msg-assistant .md-wrap").allInnerTexts();

Deno.test("versions: regenerate, switch back, continue, reload; edit an earlier question", async (t) => {
  const e2e = await startE2E({ model: { responder } });
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await page.goto(e2e.rg.origin + "/");
    let first = "";

    await t.step(
      "regenerate keeps the old reply: 2 / 2, then Previous version shows 1 / 2",
      async () => {
        const reply = await sendMessage(page, "Name a colour");
        await settled(reply);
        first = await reply.locator(".md-wrap").innerText();
        await reply.getByRole("button", { name: "Regenerate" }).click();
        await waitFor(
          "the new version",
          async () => (await place(lastAssistant(page))) === "2 / 2",
        );
        await settled(lastAssistant(page));
        const second = await lastAssistant(page).locator(".md-wrap").innerText();
        assert.notEqual(second, first);
        assert.equal(await page.locator("article.msg-assistant").count(), 1, "in place, not added");
        assert.equal(
          await lastAssistant(page).getByRole("button", { name: "Next version" }).isDisabled(),
          true,
        );

        await lastAssistant(page).getByRole("button", { name: "Previous version" }).click();
        await waitFor(
          "the old version",
          async () => (await place(lastAssistant(page))) === "1 / 2",
        );
        assert.equal(await lastAssistant(page).locator(".md-wrap").innerText(), first);
      },
    );

    await t.step(
      "a follow-up goes on from the version shown, and only that branch is sent",
      async () => {
        const reply = await sendMessage(page, "Another one");
        await settled(reply);
        assert.deepEqual(e2e.model.chatRequests().at(-1)!.body.messages, [
          { role: "user", content: "Name a colour" },
          { role: "assistant", content: first },
          { role: "user", content: "Another one" },
        ]);
      },
    );

    await t.step("a reload shows the same branch", async () => {
      const before = await texts(page);
      await page.reload();
      await page.locator("article.msg-assistant").nth(1).waitFor();
      assert.deepEqual(await texts(page), before);
      assert.equal(await place(page.locator("article.msg-assistant").first()), "1 / 2");
    });

    await t.step("editing an earlier question makes a version; the old branch stays", async () => {
      const question = page.locator("article.msg-user").first();
      await question.hover();
      await question.getByRole("button", { name: "Edit" }).click();
      const edit = page.getByRole("textbox", { name: "Edit message" });
      await edit.fill("Name a fruit");
      await page.getByRole("button", { name: "Save and send" }).click();
      await lastAssistant(page).getByText("to: Name a fruit").waitFor();
      await settled(lastAssistant(page));
      assert.equal(await place(page.locator("article.msg-user").first()), "2 / 2");
      assert.equal(await page.locator("article.msg-user").count(), 1, "what followed is hidden");
      assert.deepEqual(e2e.model.chatRequests().at(-1)!.body.messages, [
        { role: "user", content: "Name a fruit" },
      ]);

      await page.locator("article.msg-user").first()
        .getByRole("button", { name: "Previous version" }).click();
      await page.locator("article.msg-user", { hasText: "Another one" }).waitFor();
      assert.deepEqual((await texts(page)).slice(0, 2), ["Name a colour", first]);
      assert.equal(await place(page.locator("article.msg-user").first()), "1 / 2");
    });

    assert.deepEqual(foreignRequests(), []);
  } finally {
    await e2e.close();
  }
});
