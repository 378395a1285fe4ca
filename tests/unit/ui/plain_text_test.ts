import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { stripMarkdown } from "../../../lib/ui/plain_text.ts";
import { snippetParts } from "../../../lib/ui/snippet.ts";
import { displayTitle } from "../../../lib/ui/format.ts";

Deno.test("stripMarkdown keeps the text of emphasis, code, links and headings", () => {
  assertEquals(stripMarkdown("# Plan for **Monday**"), "Plan for Monday");
  assertEquals(stripMarkdown("Run `deno task dev` and _see_"), "Run deno task dev and see");
  assertEquals(stripMarkdown("see [the docs](https://deno.com/x) ~~now~~"), "see the docs now");
  assertEquals(stripMarkdown("![a cat](cat.png)"), "a cat");
  assertEquals(stripMarkdown("> quoted\n- item\n* [x] done"), "quoted\nitem\ndone");
  assertEquals(stripMarkdown("```ts\nlet a = 1;"), "\nlet a = 1;");
});

Deno.test("stripMarkdown leaves text that only looks like syntax", () => {
  assertEquals(stripMarkdown("2*3*4 = 24, a < b > c"), "2*3*4 = 24, a < b > c");
  assertEquals(stripMarkdown("snake_case_name and C#"), "snake_case_name and C#");
  assertEquals(stripMarkdown("a * b * c"), "a * b * c");
});

Deno.test("stripMarkdown keeps search match markers in place", () => {
  const snippet = "…use **\u0001deno\u0002** and `\u0001deno\u0002 task`";
  assertEquals(snippetParts(stripMarkdown(snippet)), [
    { text: "…use ", mark: false },
    { text: "deno", mark: true },
    { text: " and ", mark: false },
    { text: "deno", mark: true },
    { text: " task", mark: false },
  ]);
});

Deno.test("displayTitle shows a title without its markdown", () => {
  assertEquals(displayTitle("**Rust** vs `Go`"), "Rust vs Go");
  assertEquals(displayTitle("## "), "New chat");
});
