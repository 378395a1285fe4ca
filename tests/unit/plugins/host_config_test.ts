import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { pluginEnv } from "../../support/plugin_runtime.ts";
import { callAction, type LoadedPlugin } from "../../../lib/plugins/runtime.ts";

async function call(plugin: LoadedPlugin, fn: string, req: unknown) {
  return JSON.parse(await callAction(plugin, fn, JSON.stringify(req)));
}

Deno.test("rungpt:config gives each plugin only its own settings and secrets", async () => {
  await using env = await pluginEnv();
  Deno.env.set("RUNGPT_TEST_SECRET_ENV", "must not leak");
  try {
    const alpha = await env.load("settings", {
      manifest: { name: "alpha" },
      config: { api_token: "alpha-secret", units: "imperial", stray: "ignored" },
    });
    const beta = await env.load("settings", {
      manifest: { name: "beta" },
      config: { api_token: "beta-secret", units: 42 },
    });
    assertEquals(await call(alpha, "get", {}), {
      ok: { units: "imperial", api_token: "alpha-secret" },
    });
    // A value of the wrong type falls back to the default.
    assertEquals(await call(beta, "get", {}), {
      ok: { units: "metric", api_token: "beta-secret" },
    });
    assertEquals(await call(beta, "get", { key: "api_token" }), { ok: "beta-secret" });
    const undeclared = await call(alpha, "get", { key: "OPENAI_API_KEY" });
    assert.ok(undeclared.error.includes("not a setting declared"), undeclared.error);
    // Extism's own config_get sees the same settings and nothing else.
    assertEquals(await callAction(alpha, "extism_config", "api_token"), "alpha-secret");
    assertEquals(await callAction(alpha, "extism_config", "RUNGPT_TEST_SECRET_ENV"), "");
    assertEquals(await callAction(alpha, "extism_config", "HOME"), "");
  } finally {
    Deno.env.delete("RUNGPT_TEST_SECRET_ENV");
  }
});

Deno.test("rungpt:config keeps per-plugin state that survives a reload", async () => {
  await using env = await pluginEnv();
  const alpha = await env.load("settings", { manifest: { name: "alpha" } });
  const beta = await env.load("settings", { manifest: { name: "beta" } });
  assertEquals(await call(alpha, "state_set", { key: "count", value: { n: 3 } }), { ok: null });
  assertEquals(await call(alpha, "state_get", { key: "count" }), { ok: { n: 3 } });
  assertEquals(await call(beta, "state_get", { key: "count" }), { ok: null });
  assertEquals(await call(beta, "state_keys", {}), { ok: [] });
  await alpha.close();
  const again = await env.load("settings", { manifest: { name: "alpha" } });
  assertEquals(await call(again, "state_keys", {}), { ok: ["count"] });
  const noValue = await call(again, "state_set", { key: "x" });
  assert.ok(noValue.error.includes('"value" is required'), noValue.error);
  const capped = await env.load("settings", {
    manifest: { name: "gamma" },
    limits: { stateBytes: 50 },
  });
  const big = await call(capped, "state_set", { key: "k", value: "v".repeat(100) });
  assert.ok(big.error.includes("limit"), big.error);
  assertEquals(await call(capped, "state_keys", {}), { ok: [] });
});
