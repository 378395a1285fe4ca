import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  connectionTestText,
  debounce,
  displayTitle,
  isSettingsError,
  loadImageLabel,
  modelListHint,
  relativeTime,
  safeImageUrl,
  settingsLinkParts,
} from "../../../lib/ui/format.ts";
import { languageFor } from "../../../lib/ui/highlight.ts";

Deno.test("relativeTime gives short labels", () => {
  const now = Date.UTC(2025, 0, 10, 12);
  assertEquals(relativeTime(now - 10_000, now), "just now");
  assertEquals(relativeTime(now - 5 * 60_000, now), "5 min ago");
  assertEquals(relativeTime(now - 3 * 3600_000, now), "3 h ago");
  assertEquals(relativeTime(now - 26 * 3600_000, now), "yesterday");
  assertEquals(relativeTime(Date.UTC(2024, 5, 1), now), "2024-06-01");
});

Deno.test("safeImageUrl accepts only http(s) and inline raster images", () => {
  assertEquals(safeImageUrl("https://example.com/a.png"), "https://example.com/a.png");
  assertEquals(
    safeImageUrl("/local.png", "http://127.0.0.1:8000/"),
    "http://127.0.0.1:8000/local.png",
  );
  assertEquals(safeImageUrl("data:image/png;base64,AAAA"), "data:image/png;base64,AAAA");
  assertEquals(safeImageUrl("data:image/svg+xml;base64,AAAA"), null);
  assertEquals(safeImageUrl("javascript:alert(1)"), null);
  assertEquals(safeImageUrl(""), null);
  assertEquals(safeImageUrl(null), null);
});

Deno.test("loadImageLabel names the host the image would come from", () => {
  assertEquals(
    loadImageLabel("https://img.example.com:8443/x.png"),
    "Load image from img.example.com:8443",
  );
  assertEquals(loadImageLabel("data:image/png;base64,AAAA"), "Load inline image");
});

Deno.test("displayTitle falls back to New chat", () => {
  assertEquals(displayTitle("  "), "New chat");
  assertEquals(displayTitle("Hello"), "Hello");
});

Deno.test("isSettingsError is true only for key problems", () => {
  assertEquals(isSettingsError("auth"), true);
  assertEquals(isSettingsError("no_key"), true);
  assertEquals(isSettingsError("rate_limit"), false);
  assertEquals(isSettingsError(null), false);
});

Deno.test("languageFor resolves fence names and aliases", () => {
  assertEquals(languageFor("ts"), "typescript");
  assertEquals(languageFor("Python"), "python");
  assertEquals(languageFor("html"), "xml");
  assertEquals(languageFor("nope"), null);
  assertEquals(languageFor("__proto__"), null);
});

Deno.test("debounce runs once with the last arguments, and cancel drops it", async () => {
  const seen: string[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const d = debounce((s: string) => {
    seen.push(s);
    resolve();
  }, 5);
  d("a");
  d("ab");
  await promise;
  assertEquals(seen, ["ab"]);
  const c = debounce((s: string) => seen.push(s), 5);
  c("x");
  c.cancel();
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(seen, ["ab"]);
});

Deno.test("settingsLinkParts links the message's own Settings, or appends the remedy once", () => {
  const own = "The API key was rejected by http://x/v1 (401). Check it in Settings.";
  const parts = settingsLinkParts(own);
  assertEquals(`${parts.before}Settings${parts.after}`, own);
  assertEquals(parts.after, ".");
  const bare = settingsLinkParts("The key was refused.");
  assertEquals(
    `${bare.before}Settings${bare.after}`,
    "The key was refused. Check your API key in Settings.",
  );
});

Deno.test("modelListHint: one period between the reason and the advice; no key points above", () => {
  assertEquals(modelListHint({ models: ["a", "b"] }), "2 models available.");
  assertEquals(modelListHint({ models: ["a"] }), "1 model available.");
  assertEquals(
    modelListHint({ models: [], error: "Cannot reach http://x/v1: connection refused." }),
    "Could not list models: Cannot reach http://x/v1: connection refused. You can still type a model name.",
  );
  assertEquals(
    modelListHint({ models: [], error: "The server had an error" }),
    "Could not list models: The server had an error. You can still type a model name.",
  );
  // On the Settings page, "add one in Settings" would send the user where they already are.
  const noKey = modelListHint({
    models: [],
    kind: "no_key",
    error:
      "No API key is set. Add one in Settings (or set OPENAI_API_KEY), or point the base URL " +
      "at a local server such as Ollama.",
  });
  assertEquals(noKey.includes("Settings"), false);
  assertEquals(noKey.includes(".."), false);
});

Deno.test("connectionTestText: the models, at most five named; a failure as the server said it", () => {
  const base = "http://127.0.0.1:11434/v1";
  assertEquals(
    connectionTestText({ ok: true, baseURL: base, models: ["llama3.2:3b"] }),
    `Connected to ${base}: 1 model (llama3.2:3b).`,
  );
  assertEquals(
    connectionTestText({ ok: true, baseURL: base, models: ["a", "b", "c", "d", "e", "f", "g"] }),
    `Connected to ${base}: 7 models (a, b, c, d, e, and 2 more).`,
  );
  assertEquals(
    connectionTestText({ ok: true, baseURL: base, models: [] }),
    `Connected to ${base}, but it lists no models.`,
  );
  assertEquals(connectionTestText({ ok: false, error: "Cannot reach x." }), "Cannot reach x.");
});
