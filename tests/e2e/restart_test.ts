/**
 * Browser test of a crash: rungpt is killed in the middle of a reply and started again on the
 * same port and database. The open page reconnects, learns that nothing runs any more, and
 * shows the reply as the server kept it (stopped), with Regenerate, without a reload.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../support/chromium.ts";
import { spawnRungpt } from "../support/rungpt_process.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import { lastAssistant, sendMessage, settled, waitForStatus } from "./_helpers.ts";

Deno.test("restart: after a crash mid-reply the open page shows the reply as stopped", async () => {
  // Streams for about 8 s, then hangs: the crash comes in the middle.
  const words = Array.from({ length: 80 }, (_, i) => `word${i} `);
  await using model = await startScriptedModel({
    replies: [{ chunks: words, delayMs: 100, hang: true }],
    responder: () => ({ text: "Answered again." }),
  });
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-e2e-crash-" });
  const rungpt = await spawnRungpt({ RUNGPT_DATA_DIR: dataDir, OPENAI_BASE_URL: model.url });
  const browser = await launchBrowser();
  let again: Awaited<ReturnType<typeof startRungpt>> | undefined;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(rungpt.url + "/");
    const reply = await sendMessage(page, "Count for a while");
    await reply.getByText("word5", { exact: false }).waitFor();

    await rungpt.kill();
    again = await startRungpt({
      model,
      dataDir,
      port: rungpt.port,
      env: { RUNGPT_API_TOKEN: "rgt_crash-test-token-0123456789" },
    });

    // The page's event stream reconnects on its own; the turn is gone, so it resynchronises.
    await settled(lastAssistant(page), "stopped");
    await lastAssistant(page).getByText("Stopped", { exact: true }).waitFor();
    await waitForStatus(page, "Stopped.");
    const shown = (await lastAssistant(page).locator(".md-wrap").innerText()).trim();
    assert.ok(shown.startsWith("word0 word1"), shown);
    await page.getByRole("button", { name: "Send" }).waitFor();
    // And it can go on: Regenerate is offered and works.
    await lastAssistant(page).getByRole("button", { name: "Regenerate" }).click();
    await lastAssistant(page).getByText("Answered again.").waitFor();
    await settled(lastAssistant(page));
    await context.close();
  } finally {
    await browser.close().catch(() => {});
    await again?.close();
    await rungpt.kill();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
