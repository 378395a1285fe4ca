/**
 * Browser tests of failures and settings: an upstream 401 mid-answer, a first run without a
 * key (Send waits for Settings), saving a key (shown masked, never sent to the browser), a rejected base URL, and
 * offering tools again to models auto mode keeps on tags.
 */
import assert from "node:assert/strict";
import {
  lastAssistant,
  sendMessage,
  settled,
  startE2E,
  waitFor,
  waitForStatus,
} from "./_helpers.ts";

const KEY = "sk-live-SECRETSECRET-abcdef987654";
/** What the scripted server's /v1/models lists, in the sorted order the pickers show. */
const MODELS = ["gpt-4o", "llama3.2:3b", "qwen2.5-coder:7b"];

Deno.test("errors and settings", async (t) => {
  // No key and no base URL configured: rungpt starts as a first-time user would see it.
  const e2e = await startE2E({
    model: { requireKey: KEY, models: MODELS },
    rungpt: { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", RUNGPT_MODEL: "" } },
  });
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await t.step("without a key the empty state guides to Settings", async () => {
      await page.goto(e2e.rg.origin + "/");
      await page.getByRole("heading", { name: "Connect a model to start" }).waitFor();
      const link = page.getByRole("link", { name: "Open Settings" });
      assert.equal(await link.getAttribute("href"), "/settings");
      // Send waits for a provider, with a hint that links to Settings; Enter sends nothing.
      const send = page.getByRole("button", { name: "Send" });
      assert.equal(await send.isDisabled(), true);
      const composerHint = page.locator(".composer-hint");
      assert.equal(
        (await composerHint.innerText()).trim(),
        "Add your API key or a server's base URL in Settings.",
      );
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("Hi");
      await box.press("Enter");
      assert.equal(await box.inputValue(), "Hi", "the text stays");
      assert.equal(page.url(), e2e.rg.origin + "/");
      assert.deepEqual(await e2e.rg.server.services.store.listConversations(), []);
      assert.equal(e2e.model.chatRequests().length, 0, "nothing was sent upstream");
      await composerHint.getByRole("link", { name: "Settings" }).click();
      await page.waitForURL(e2e.rg.origin + "/settings");
      await page.getByRole("heading", { name: "Settings" }).waitFor();
      await page.getByText("No key set.", { exact: false }).waitFor();
      // The model field's hint says what to do here, not "add one in Settings", and once.
      const hint = page.locator("#default-model ~ .hint");
      await hint.filter({ hasNotText: "Loading" }).waitFor();
      const text = await hint.innerText();
      assert.match(text, /^Add an API key, or a base URL for a local server, to list its models\./);
      assert.doesNotMatch(text, /Settings|\.\./);
    });

    await t.step("an invalid base URL shows the server's validation error", async () => {
      await page.locator("#base-url").fill("ftp://example.invalid/v1");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.match(await alert.innerText(), /base ?url.*must be an http:\/\/ or https:\/\/ URL/i);
      const settings = await e2e.rg.server.services.publicSettings();
      assert.equal(settings.baseURL ?? null, null, "nothing was saved");
    });

    await t.step("a saved key is shown masked and never reaches any page", async () => {
      await page.locator("#base-url").fill(e2e.model.url);
      await page.locator("#api-key").fill(KEY);
      await page.locator("#default-model").fill("gpt-4o");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("Settings saved.").waitFor();
      const masked = await page.locator(".field-status code").innerText();
      assert.notEqual(masked, KEY);
      assert.ok(!masked.includes("SECRETSECRET"), `masked form "${masked}" hides the key`);
      assert.equal(await page.locator("#api-key").inputValue(), "", "the field is cleared");
      const settings = await e2e.rg.server.services.publicSettings();
      assert.equal(settings.apiKeySet, true);

      await page.reload();
      assert.equal(await page.locator(".field-status code").innerText(), masked);
      const paths = ["/", "/settings", "/api/settings", "/api/models", "/api/conversations"];
      for (const path of paths) {
        const res = await page.request.get(e2e.rg.origin + path);
        const body = await res.text();
        assert.ok(!body.includes(KEY) && !body.includes("SECRETSECRET"), `${path} leaks the key`);
      }
      assert.ok(!(await page.content()).includes("SECRETSECRET"));
    });

    await t.step("the model pickers list the server's models; an unlisted name works", async () => {
      await page.goto(e2e.rg.origin + "/settings");
      await page.getByText(`${MODELS.length} models available.`).waitFor();
      const options = (list: string) =>
        page.locator(`datalist#${list} option`).evaluateAll((els) =>
          els.map((e) => (e as HTMLOptionElement).value)
        );
      assert.equal(await page.locator("#default-model").getAttribute("list"), "settings-models");
      assert.deepEqual(await options("settings-models"), MODELS);

      await page.goto(e2e.rg.origin + "/");
      const picker = page.getByRole("combobox", { name: "Model" });
      assert.equal(await picker.getAttribute("list"), "model-options");
      await waitFor("the header's model list", async () => (await options("model-options")).length);
      assert.deepEqual(await options("model-options"), MODELS);
      // A name the server does not list (some never list theirs) is sent as typed.
      await picker.fill("my-unlisted-model");
      await picker.press("Enter");
      e2e.model.enqueue({ text: "Answered by the unlisted model." });
      await settled(await sendMessage(page, "Which model are you?"));
      assert.equal(e2e.model.chatRequests().at(-1)?.body.model, "my-unlisted-model");
      assert.equal(await picker.inputValue(), "my-unlisted-model");
    });

    await t.step(
      "a 401 shows an error linking to Settings; a cut keeps the partial text",
      async () => {
        e2e.model.enqueue(
          { text: "First answer, complete.", chunkSize: 6 },
          { status: 401 },
          { chunks: ["Partial ", "answer ", "never finished"], cutAfter: 2 },
        );
        await page.goto(e2e.rg.origin + "/");
        const first = await sendMessage(page, "Hello?");
        await settled(first);
        assert.equal(
          (await first.locator(".md-wrap").innerText()).trim(),
          "First answer, complete.",
        );
        // The saved key is the one sent upstream (the model requires it).
        assert.equal(e2e.model.chatRequests().at(-1)?.headers.authorization, `Bearer ${KEY}`);

        const failed = await sendMessage(page, "And now?");
        await settled(failed, "error");
        const error = failed.locator(".msg-error");
        // The remedy is said once, and its "Settings" is the link.
        assert.equal(
          (await error.innerText()).trim(),
          `Error: The API key was rejected by ${e2e.model.url} (401). Check it in Settings.`,
        );
        assert.ok(!(await error.innerText()).includes("SECRETSECRET"));
        const fix = error.getByRole("link", { name: "Settings", exact: true });
        assert.equal(await fix.getAttribute("href"), "/settings");
        await waitForStatus(page, /^Error: The API key was rejected/);
        assert.equal(
          (await page.locator("article.msg-assistant .md-wrap").first().innerText()).trim(),
          "First answer, complete.",
          "earlier messages stay",
        );
        // After a reload the stored error still offers the fix.
        await page.reload();
        await lastAssistant(page).locator(".msg-error").getByRole("link", { name: /Settings/ })
          .waitFor();

        await page.getByRole("button", { name: "Regenerate" }).click();
        const cut = lastAssistant(page);
        // The failed reply is replaced by the new one, which streams, then breaks off.
        await cut.getByText("Partial answer").waitFor();
        await settled(cut, "error");
        assert.equal((await cut.locator(".md-wrap").innerText()).trim(), "Partial answer");
        await cut.locator(".msg-error").waitFor();
        const saved = await e2e.rg.server.services.store.listMessages(
          new URL(page.url()).pathname.split("/").at(-1)!,
        );
        assert.equal(saved.at(-1)?.content, "Partial answer ");
        assert.equal(saved.at(-1)?.status, "error");
        // Neither the conversation page nor its exports carry the key.
        const id = new URL(page.url()).pathname.split("/").at(-1)!;
        for (
          const path of [
            `/c/${id}`,
            `/api/conversations/${id}`,
            `/api/conversations/${id}/export?format=json`,
          ]
        ) {
          const body = await (await page.request.get(e2e.rg.origin + path)).text();
          assert.ok(!body.includes("SECRETSECRET"), `${path} leaks the key`);
        }
      },
    );

    await t.step("Clear removes the saved key", async () => {
      await page.goto(e2e.rg.origin + "/settings");
      await page.getByRole("button", { name: "Clear" }).click();
      await page.getByText("Saved key cleared.").waitFor();
      await page.getByText("No key set.", { exact: false }).waitFor();
      assert.equal((await e2e.rg.server.services.publicSettings()).apiKeySet, false);
      await page.reload();
      await page.getByText("No key set.", { exact: false }).waitFor();
    });

    await t.step("models kept on tags can be offered tools again, one or all", async () => {
      // What auto mode remembers when a model's server rejects tools.
      const { tools } = e2e.rg.server.services;
      for (const m of ["llama3", "qwen2", "phi3"]) await tools.markNativeUnsupported(m);
      await page.goto(e2e.rg.origin + "/settings");
      const tagsOnly = page.getByRole("list", { name: "Tags only" });
      assert.deepEqual(await tagsOnly.locator("code").allInnerTexts(), ["llama3", "qwen2", "phi3"]);
      // Remembered after the page loaded: the page's answer must not drop it.
      await tools.markNativeUnsupported("gemma");

      await page.getByRole("button", { name: "Try tools again with qwen2" }).click();
      await page.getByRole("status").filter({ hasText: "qwen2 will be offered tools again." })
        .waitFor();
      assert.deepEqual(await tagsOnly.locator("code").allInnerTexts(), ["llama3", "phi3", "gemma"]);
      const saved = await e2e.rg.server.services.publicSettings();
      assert.deepEqual(saved.actions.nativeToolsUnsupported, ["llama3", "phi3", "gemma"]);

      await page.getByRole("button", { name: "Try tools again with all" }).click();
      await page.getByRole("status").filter({ hasText: "Every model will be offered tools again." })
        .waitFor();
      assert.equal(await tagsOnly.count(), 0);
      const after = await e2e.rg.server.services.publicSettings();
      assert.deepEqual(after.actions.nativeToolsUnsupported, []);
    });

    await t.step("models whose tool calls are not streamed can stream again", async () => {
      // What the action loop remembers when a server breaks on streamed tool calls.
      const { tools } = e2e.rg.server.services;
      for (const m of ["vllm-a", "vllm-b"]) await tools.markStreamToolsUnsupported(m);
      await page.goto(e2e.rg.origin + "/settings");
      const list = page.getByRole("list", { name: "Tool calls not streamed" });
      assert.deepEqual(await list.locator("code").allInnerTexts(), ["vllm-a", "vllm-b"]);
      await page.getByRole("button", { name: "Stream tool calls again with vllm-a" }).click();
      await page.getByRole("status").filter({ hasText: "vllm-a will stream tool calls again." })
        .waitFor();
      assert.deepEqual(await list.locator("code").allInnerTexts(), ["vllm-b"]);
      const saved = await e2e.rg.server.services.publicSettings();
      assert.deepEqual(saved.actions.streamToolsUnsupported, ["vllm-b"]);
    });

    await t.step("browser clients: origins are saved normalised, '*' is refused", async () => {
      await page.goto(e2e.rg.origin + "/settings");
      const field = page.getByLabel("Web origins that may use the API");
      await field.fill("*");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("alert").filter({ hasText: '"*" is not accepted' }).waitFor();
      assert.deepEqual((await e2e.rg.server.services.publicSettings()).cors.origins, []);

      await field.fill("http://LOCALHOST:5173/, https://chat.example.com");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
      assert.deepEqual((await e2e.rg.server.services.publicSettings()).cors.origins, [
        "http://localhost:5173",
        "https://chat.example.com",
      ]);
      assert.equal(await field.inputValue(), "http://localhost:5173, https://chat.example.com");
      assert.deepEqual(await e2e.rg.server.services.corsOrigins(), [
        "http://localhost:5173",
        "https://chat.example.com",
      ]);

      await field.fill("");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
      assert.deepEqual(await e2e.rg.server.services.corsOrigins(), []);
    });

    assert.deepEqual(foreignRequests(), [], "every request went to rungpt");
  } finally {
    await e2e.close();
  }
});
