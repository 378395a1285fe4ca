/**
 * Browser test of a newcomer's first run: nothing configured, Send waits with a hint that
 * links to Settings; Test connection tries a base URL without saving it; saving only the base
 * URL chooses a default model; back in the chat the first message is answered by that model.
 * Then the provider stops listing it: Settings flags the default as stale.
 */
import assert from "node:assert/strict";
import { sendMessage, settled, startE2E } from "./_helpers.ts";

/** In the provider's order: an embedding model first, which a default must skip. */
const MODELS = ["nomic-embed-text:latest", "llama3.2:3b", "qwen2.5:7b"];

Deno.test("setup: a fresh install finishes its setup with only a base URL", async (t) => {
  const e2e = await startE2E({
    model: { models: MODELS, responder: (req) => ({ text: `Hello from ${req.body.model}.` }) },
    rungpt: { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", RUNGPT_MODEL: "" } },
  });
  const { page, foreignRequests } = await e2e.newPage();
  const settingsFile = () => e2e.rg.server.services.publicSettings();
  try {
    await t.step("Send is disabled, with a hint linking to Settings", async () => {
      await page.goto(e2e.rg.origin + "/");
      const send = page.getByRole("button", { name: "Send" });
      assert.equal(await send.isDisabled(), true);
      const hint = page.locator(".composer-hint");
      assert.equal(
        (await hint.innerText()).trim(),
        "Add your API key or a server's base URL in Settings.",
      );
      await page.getByRole("textbox", { name: "Message" }).fill("Hello?");
      await page.getByRole("textbox", { name: "Message" }).press("Enter");
      assert.equal(await send.isDisabled(), true);
      assert.deepEqual(await e2e.rg.server.services.store.listConversations(), []);
      await hint.getByRole("link", { name: "Settings" }).click();
      await page.waitForURL(e2e.rg.origin + "/settings");
    });

    await t.step(
      "Test connection reports a wrong path and the models, saving nothing",
      async () => {
        const origin = e2e.model.url.replace(/\/v1$/, "");
        const result = page.locator("#connection-test");
        await page.locator("#base-url").fill(origin);
        await page.getByRole("button", { name: "Test connection" }).click();
        await result.filter({ hasText: "(404)" }).waitFor();
        assert.match(await result.innerText(), new RegExp(`try ${origin}/v1`));

        await page.locator("#base-url").fill(e2e.model.url);
        await page.getByRole("button", { name: "Test connection" }).click();
        await result.filter({ hasText: "Connected" }).waitFor();
        assert.equal(
          (await result.innerText()).trim(),
          `Connected to ${e2e.model.url}: 3 models (${MODELS.join(", ")}).`,
        );
        const now = await settingsFile();
        assert.equal(now.baseURL, null, "testing saved nothing");
        assert.equal(now.model, null);
      },
    );

    await t.step("saving the base URL chooses the first chat model and says so", async () => {
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText(
        "Settings saved. Default model: llama3.2:3b, chosen from the server's models.",
      ).waitFor();
      assert.equal(await page.locator("#default-model").inputValue(), "llama3.2:3b");
      assert.match(await page.locator("#model-chosen").innerText(), /llama3\.2:3b/);
      const saved = await settingsFile();
      assert.equal(saved.baseURL, e2e.model.url);
      assert.equal(saved.model, "llama3.2:3b");
    });

    await t.step("back in the chat, the first message is answered by that model", async () => {
      await page.getByRole("link", { name: "← Back to chat" }).click();
      await page.waitForURL(e2e.rg.origin + "/");
      assert.equal(await page.locator(".composer-hint").count(), 0);
      const reply = await sendMessage(page, "Hi there");
      await settled(reply);
      assert.equal((await reply.locator(".md-wrap").innerText()).trim(), "Hello from llama3.2:3b.");
      assert.equal(e2e.model.chatRequests().at(-1)?.body.model, "llama3.2:3b");
      assert.equal((await e2e.rg.server.services.store.listConversations()).length, 1);
    });

    await t.step("a default the server no longer lists is flagged in Settings", async () => {
      e2e.model.setModels(["gpt-4o", "gpt-4o-mini"]);
      await page.goto(e2e.rg.origin + "/settings");
      const stale = page.locator("#model-stale");
      await stale.waitFor();
      assert.match(await stale.innerText(), /^llama3\.2:3b is not among the models this server/);
      assert.equal(await page.locator("#default-model").inputValue(), "llama3.2:3b", "kept");
    });

    assert.deepEqual(foreignRequests(), [], "every request went to rungpt");
  } finally {
    await e2e.close();
  }
});
