import assert from "node:assert/strict";
import type { ChatCompletion } from "openai/resources/chat/completions";
import {
  cleanTitle,
  fallbackTitle,
  generateTitle,
  MAX_TITLE_LENGTH,
  TITLE_INSTRUCTION,
} from "../../../lib/chat/title.ts";
import type { CompleteFn, RoundParams } from "../../../lib/chat/loop.ts";

Deno.test("fallbackTitle: the first non-blank line, without markdown", () => {
  assert.equal(fallbackTitle("\n  ## Fix **this** bug\nThe stack trace follows"), "Fix this bug");
  assert.equal(
    fallbackTitle("See [the docs](https://x.test) for `deno fmt`"),
    "See the docs for deno fmt",
  );
  assert.equal(fallbackTitle("```ts\nconst a = 1;\n```"), "const a = 1;");
  assert.equal(fallbackTitle("   \n  "), "New chat");
  const long = fallbackTitle("word ".repeat(40));
  assert.ok(long.length <= MAX_TITLE_LENGTH + 1 && long.endsWith("…"), long);
  assert.ok(!long.includes("  "));
});

Deno.test("cleanTitle: quotes, labels, a final period and markdown go", () => {
  assert.equal(cleanTitle('Title: "**Paris** trip plan."'), "Paris trip plan");
  assert.equal(cleanTitle("“Rust lifetimes explained”\n\nMore text"), "Rust lifetimes explained");
  assert.equal(cleanTitle("# Heading title"), "Heading title");
  assert.equal(cleanTitle("Wait..."), "Wait...", "an ellipsis is not a final period");
  assert.equal(cleanTitle('  ""  '), null);
  assert.equal(cleanTitle(""), null);
});

/** A `complete` that answers `text` and records what it was asked. */
function completing(answer: () => Promise<string | null>) {
  const asked: RoundParams[] = [];
  const complete: CompleteFn = async (params) => {
    asked.push(params);
    const content = await answer();
    return {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: params.model,
      choices: [{
        index: 0,
        finish_reason: "stop",
        logprobs: null,
        message: { role: "assistant", content, refusal: null },
      }],
    } as ChatCompletion;
  };
  return { complete, asked };
}

Deno.test("generateTitle: one short request with the first exchange, its answer cleaned", async () => {
  const { complete, asked } = completing(() => Promise.resolve('"Weekend in *Lisbon*."'));
  const title = await generateTitle({
    complete,
    model: "gpt-4o",
    user: "Plan a weekend in Lisbon",
    assistant: "x".repeat(10_000),
    signal: new AbortController().signal,
  });
  assert.equal(title, "Weekend in Lisbon");
  assert.equal(asked.length, 1);
  assert.equal(asked[0].model, "gpt-4o");
  assert.equal(asked[0].max_tokens, 32);
  assert.equal(asked[0].stream, undefined, "not streamed");
  assert.deepEqual(asked[0].messages[0], { role: "system", content: TITLE_INSTRUCTION });
  const excerpt = String(asked[0].messages[1].content);
  assert.match(excerpt, /^User: Plan a weekend in Lisbon\n\nAssistant: x+…$/);
  assert.ok(excerpt.length < 2_100, "the reply is cut to an excerpt");
});

Deno.test("generateTitle: failures, empty answers and timeouts are null, never thrown", async () => {
  const base = { model: "m", user: "u", assistant: "a", signal: new AbortController().signal };
  const failing: CompleteFn = () => Promise.reject(new Error("500 upstream"));
  assert.equal(await generateTitle({ ...base, complete: failing }), null);
  assert.equal(
    await generateTitle({ ...base, complete: completing(() => Promise.resolve(null)).complete }),
    null,
  );
  // A request that never answers on its own ends at the timeout, through its signal.
  const hanging: CompleteFn = (_p, signal) =>
    new Promise((_resolve, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
  assert.equal(await generateTitle({ ...base, complete: hanging, timeoutMs: 20 }), null);
  const stop = new AbortController();
  const pending = generateTitle({ ...base, signal: stop.signal, complete: hanging });
  stop.abort();
  assert.equal(await pending, null);
});
