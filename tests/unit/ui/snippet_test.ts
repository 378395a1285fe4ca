import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { snippetParts, snippetText } from "../../../lib/ui/snippet.ts";

Deno.test("snippetParts marks the matches and keeps HTML as text", () => {
  assertEquals(snippetParts("say \u0001hello\u0002 <b>x</b> \u0001again\u0002"), [
    { text: "say ", mark: false },
    { text: "hello", mark: true },
    { text: " <b>x</b> ", mark: false },
    { text: "again", mark: true },
  ]);
});

Deno.test("snippetParts tolerates unbalanced markers", () => {
  assertEquals(snippetParts("a\u0002b\u0001c"), [{ text: "ab", mark: false }, {
    text: "c",
    mark: true,
  }]);
  assertEquals(snippetParts(""), []);
  assertEquals(snippetParts("\u0001\u0002"), []);
});

Deno.test("snippetText drops the markers", () => {
  assertEquals(snippetText("x \u0001y\u0002 z"), "x y z");
});
