// Browser clients of /v1 (CORS) over real HTTP: closed by default; origins allowed by
// RUNGPT_CORS_ORIGINS or in Settings get answered preflights without the token and CORS
// headers on their requests, which still need the token; any other origin gets nothing.
import assert from "node:assert/strict";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";

const APP = "http://localhost:5173";
const OTHER = "https://evil.example";
const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });

function preflight(rg: TestRungpt, origin: string): Promise<Response> {
  return fetch(rg.origin + "/v1/chat/completions", {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

/** A cross-site POST as a browser sends it, with the token or without. */
function post(rg: TestRungpt, origin: string, token?: string): Promise<Response> {
  const headers: Record<string, string> = {
    origin,
    "sec-fetch-site": "cross-site",
    "sec-fetch-mode": "cors",
    "content-type": "application/json",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(rg.origin + "/v1/chat/completions", { method: "POST", headers, body });
}

function corsHeaders(res: Response): string[] {
  return [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));
}

Deno.test("cors: an allowed origin's preflight is 204 without the token; its request needs the token", async () => {
  await using model = await startScriptedModel({ responder: () => ({ text: "Hello" }) });
  await using rg = await startRungpt({
    model,
    env: { RUNGPT_CORS_ORIGINS: `${APP}, https://b.example` },
  });

  const pre = await preflight(rg, APP);
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), APP);
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /Content-Type/);
  assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.match(pre.headers.get("vary") ?? "", /Origin/);
  await pre.body?.cancel();

  const noToken = await post(rg, APP);
  assert.equal(noToken.status, 401);
  // The page can read why it was refused.
  assert.equal(noToken.headers.get("access-control-allow-origin"), APP);
  assert.equal((await noToken.json()).error.code, "invalid_api_key");

  const ok = await post(rg, APP, rg.token);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), APP);
  assert.match(ok.headers.get("vary") ?? "", /Origin/);
  assert.match(ok.headers.get("access-control-expose-headers") ?? "", /Retry-After/);
  assert.equal((await ok.json()).choices[0].message.content, "Hello");
  assert.equal(model.chatRequests().length, 1);

  // Another origin gets no CORS header, its preflight is refused, its POST too.
  const otherPre = await preflight(rg, OTHER);
  assert.equal(otherPre.status, 401);
  assert.deepEqual(corsHeaders(otherPre), []);
  await otherPre.body?.cancel();
  const otherPost = await post(rg, OTHER, rg.token);
  assert.equal(otherPost.status, 403);
  assert.deepEqual(corsHeaders(otherPost), []);
  await otherPost.body?.cancel();
  assert.equal(model.chatRequests().length, 1);

  // Allowing /v1 does not open the UI's API to that origin.
  const ui = await fetch(rg.origin + "/api/settings", {
    method: "PUT",
    headers: { origin: APP, "sec-fetch-site": "cross-site", "content-type": "application/json" },
    body: JSON.stringify({ model: "x" }),
  });
  assert.equal(ui.status, 403);
  assert.deepEqual(corsHeaders(ui), []);
  await ui.body?.cancel();
});

Deno.test("cors: closed by default; an origin saved in Settings opens it at once", async () => {
  await using model = await startScriptedModel({ responder: () => ({ text: "Hello" }) });
  await using rg = await startRungpt({ model });
  const pre = await preflight(rg, APP);
  assert.equal(pre.status, 401);
  assert.deepEqual(corsHeaders(pre), []);
  await pre.body?.cancel();
  const refused = await post(rg, APP, rg.token);
  assert.equal(refused.status, 403);
  assert.deepEqual(corsHeaders(refused), []);
  await refused.body?.cancel();

  const bad = await rg.api("/api/settings", { method: "PUT", json: { corsOrigins: ["*"] } });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /corsOrigins\.0: "\*" is not accepted/);

  const saved = await rg.api("/api/settings", {
    method: "PUT",
    json: { corsOrigins: ["http://LOCALHOST:5173/"] },
  });
  assert.equal(saved.status, 200);
  assert.deepEqual((await saved.json()).cors, { origins: [APP], envOrigins: [] });
  const pre2 = await preflight(rg, APP);
  assert.equal(pre2.status, 204);
  assert.equal(pre2.headers.get("access-control-allow-origin"), APP);
  await pre2.body?.cancel();
  const ok = await post(rg, APP, rg.token);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), APP);
  await ok.body?.cancel();
});

Deno.test("cors: a RUNGPT_CORS_ORIGINS entry that is not an origin stops the server, naming it", async () => {
  await assert.rejects(
    () => startRungpt({ env: { RUNGPT_CORS_ORIGINS: "*" } }),
    /RUNGPT_CORS_ORIGINS: "\*" is not accepted: list each origin/,
  );
});
