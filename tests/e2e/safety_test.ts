/**
 * Browser tests of rendering hostile model output: remote images wait for a click, links get
 * rel="noopener noreferrer", injected scripts never run, and the page never talks to any
 * origin but rungpt's (it works offline).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { launchBrowser } from "../support/chromium.ts";
import { startRungptOnAllInterfaces } from "../support/rungpt_server.ts";
import { lastAssistant, sendMessage, settled, startE2E } from "./_helpers.ts";

const HOSTILE = [
  "An image: ![x](https://example.invalid/a.png)",
  "",
  "A [link](https://example.invalid/page) to follow.",
  "",
  "<script>window.__pwned = 'script'</script>",
  '<img src="x" onerror="window.__pwned = \'onerror\'">',
  "<a href=\"javascript:window.__pwned='href'\">click me</a>",
  '<svg><animate onbegin="window.__pwned = \'svg\'" attributeName="x" dur="1s"/></svg>',
  "<iframe srcdoc=\"<script>parent.__pwned = 'iframe'</script>\"></iframe>",
  "",
  "Math too: $e^{i\\pi} + 1 = 0$ and a formula block:",
  "",
  "$$\\int_0^1 x\\,dx = \\tfrac12$$",
].join("\n");

Deno.test("safety: remote images, links, scripts and offline", async (t) => {
  const e2e = await startE2E({ model: { responder: () => ({ text: HOSTILE, chunkSize: 16 }) } });
  const { page, requests, foreignRequests } = await e2e.newPage();
  try {
    const imageRequests: string[] = [];
    await page.route("https://example.invalid/**", (route) => {
      imageRequests.push(route.request().url());
      // A 1x1 transparent GIF, served locally: the test never touches the network.
      return route.fulfill({
        status: 200,
        contentType: "image/gif",
        body: Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAACAkQBADs=", "base64"),
      });
    });

    await t.step("hostile output renders inert", async () => {
      await page.goto(e2e.rg.origin + "/");
      const reply = await sendMessage(page, "Say something dangerous");
      await settled(reply);
      await reply.locator(".md a", { hasText: "link" }).waitFor();
      // KaTeX (served by rungpt itself) rendered the math.
      await reply.locator(".md .katex").first().waitFor();

      assert.equal(await page.evaluate(() => (window as { __pwned?: string }).__pwned), undefined);
      assert.equal(await reply.locator("script, iframe, [onerror], [onbegin]").count(), 0);
      const link = reply.locator(".md a", { hasText: "link" });
      assert.equal(await link.getAttribute("href"), "https://example.invalid/page");
      assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
      for (const a of await reply.locator(".md a[href]").all()) {
        const href = (await a.getAttribute("href")) ?? "";
        assert.ok(!href.toLowerCase().startsWith("javascript:"), `no javascript: link (${href})`);
        assert.equal(await a.getAttribute("rel"), "noopener noreferrer");
      }
      // Clicking the javascript: link (if it survived as text) does nothing either.
      const clickMe = reply.getByText("click me");
      if (await clickMe.count()) await clickMe.click();
      assert.equal(await page.evaluate(() => (window as { __pwned?: string }).__pwned), undefined);
    });

    await t.step("a remote image loads only after its button is clicked", async () => {
      const reply = lastAssistant(page);
      const button = reply.getByRole("button", { name: "Load image from example.invalid" });
      await button.waitFor();
      assert.equal(await reply.locator("img[src*='example.invalid']").count(), 0);
      assert.deepEqual(imageRequests, []);
      assert.deepEqual(foreignRequests(), [], "nothing but rungpt was requested");

      await button.click();
      const img = reply.locator("img[src='https://example.invalid/a.png']");
      await img.waitFor();
      await page.waitForFunction(
        (el) => (el as HTMLImageElement).complete,
        await img.elementHandle(),
      );
      assert.deepEqual(imageRequests, ["https://example.invalid/a.png"]);
      assert.equal(await img.getAttribute("referrerpolicy"), "no-referrer");
      assert.equal(await img.getAttribute("alt"), "x");
      assert.equal(await page.evaluate(() => (window as { __pwned?: string }).__pwned), undefined);
    });

    await t.step("user text, titles and search snippets are text, never markup", async () => {
      const evil = `<img src="x" onerror="window.__pwned='user'"> <b>tagged</b> sentinel`;
      await page.getByRole("button", { name: "New chat" }).click();
      await settled(await sendMessage(page, evil));
      const user = page.locator("article.msg-user .user-text").last();
      assert.equal(await user.innerText(), evil);
      assert.equal(await page.locator("article.msg-user img, article.msg-user b").count(), 0);
      await page.locator("h1.chat-title", { hasText: "<img" }).waitFor();
      await page.locator("#sidebar .conv-title", { hasText: "<img" }).waitFor();
      assert.equal(await page.locator("#sidebar img:not([src='/static/logo.svg'])").count(), 0);
      assert.match(await page.title(), /^<img src="x"/);

      await page.getByRole("searchbox", { name: "Search" }).fill("sentinel");
      const hit = page.locator("#sidebar a.hit").first();
      await hit.locator("mark", { hasText: "sentinel" }).waitFor();
      assert.match(await hit.innerText(), /<b>tagged<\/b>/);
      assert.equal(await hit.locator("img, b").count(), 0);
      assert.equal(await page.evaluate(() => (window as { __pwned?: string }).__pwned), undefined);
      await page.getByRole("searchbox", { name: "Search" }).fill("");
    });

    await t.step("everything else came from rungpt: the page works offline", async () => {
      await page.reload();
      await lastAssistant(page).locator(".md .katex").first().waitFor();
      // The page's data came through the server render intact: `$$…$$` is still display math.
      await lastAssistant(page).locator(".md .math-display .katex-display").waitFor();
      await lastAssistant(page).locator(".md a", { hasText: "link" }).waitFor();
      // A reload shows the button again: the earlier click was for that one time only.
      await lastAssistant(page).getByRole("button", { name: "Load image from example.invalid" })
        .waitFor();
      assert.deepEqual(imageRequests, ["https://example.invalid/a.png"]);
      const foreign = foreignRequests().filter((u) => u !== "https://example.invalid/a.png");
      assert.deepEqual(foreign, [], "only the clicked image left rungpt's origin");
      assert.ok(requests.some((u) => u.endsWith(".css")), "styles were loaded from rungpt");
      // KaTeX's fonts, if any were needed, came from rungpt too.
      assert.equal(await page.evaluate(() => (window as { __pwned?: string }).__pwned), undefined);
    });
  } finally {
    await e2e.close();
  }
});

Deno.test("safety: bound beyond loopback, the login form logs a browser in", async () => {
  await using rg = await startRungptOnAllInterfaces();
  if (!rg) return;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(rg.origin + "/settings");
    await page.waitForURL(/\/login\?next=%2Fsettings$/);
    const token = page.getByLabel("Access token");
    // A wrong token: the form says so (not a refused cross-origin request).
    await token.fill("rgt_not-the-token-000000000");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").filter({ hasText: "That token is not right." }).waitFor();
    // The right one: in, and on to the page asked for.
    await page.getByLabel("Access token").fill(rg.token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(rg.origin + "/settings");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
  } finally {
    await browser.close();
  }
});
