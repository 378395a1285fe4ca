/**
 * A browser-based client of /v1 in real Chromium: a page served from another origin calls
 * rungpt's API with the token. Allowed by RUNGPT_CORS_ORIGINS, the browser's preflight passes
 * and the page reads the answer (and a 401 without the token, and a stream); from an origin
 * not on the list, the browser itself refuses to hand the answer to the page.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "../support/chromium.ts";
import { startRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

/** What the page's fetch came to. */
type Outcome = { status: number; text: string } | { failed: string };

Deno.test("cors: a page on an allowed origin uses /v1 with the token; another origin cannot", async () => {
  // The browser client's own site: an empty page on its own port (another origin).
  const site = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response("<!doctype html><title>client</title>", {
        headers: { "content-type": "text/html" },
      }),
  );
  const allowed = `http://127.0.0.1:${site.addr.port}`;
  const other = `http://localhost:${site.addr.port}`;
  await using model = await startScriptedModel({
    responder: () => ({ text: "Hello, browser", chunkSize: 3 }),
  });
  await using rg = await startRungpt({ model, env: { RUNGPT_CORS_ORIGINS: allowed } });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const call = (token: string | null, stream = false) =>
      page.evaluate(async ({ url, token, stream }): Promise<Outcome> => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (token) headers.authorization = `Bearer ${token}`;
        try {
          const res = await fetch(url, {
            method: "POST",
            headers,
            body: JSON.stringify({
              model: "gpt-4o",
              messages: [{ role: "user", content: "hi" }],
              stream,
            }),
          });
          return {
            status: res.status,
            text: await res.text(),
          };
        } catch (e) {
          return { failed: String(e) };
        }
      }, { url: rg.origin + "/v1/chat/completions", token, stream });

    await page.goto(allowed + "/");
    const ok = await call(rg.token);
    assert.ok("status" in ok, JSON.stringify(ok));
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.text).choices[0].message.content, "Hello, browser");
    const streamed = await call(rg.token, true);
    assert.ok("status" in streamed && streamed.status === 200, JSON.stringify(streamed));
    assert.ok(streamed.text.endsWith("data: [DONE]\n\n"));
    // Without the token: refused, and the page can read why.
    const noToken = await call(null);
    assert.ok("status" in noToken, JSON.stringify(noToken));
    assert.equal(noToken.status, 401);
    assert.equal(JSON.parse(noToken.text).error.code, "invalid_api_key");
    assert.equal(model.chatRequests().length, 2);

    // Another origin: the browser blocks the call, and nothing reaches the model.
    await page.goto(other + "/");
    const refused = await call(rg.token);
    assert.ok("failed" in refused, JSON.stringify(refused));
    assert.match(refused.failed, /TypeError/);
    assert.equal(model.chatRequests().length, 2);
  } finally {
    await browser.close();
    await site.shutdown();
  }
});
