import { deepStrictEqual as assertEquals } from "node:assert/strict";

Deno.test("cellAlignClass turns marked's align into a class, and nothing else", async () => {
  const { cellAlignClass } = await import("../../../lib/ui/markdown.ts");
  assertEquals(cellAlignClass("right"), "align-right");
  assertEquals(cellAlignClass("center"), "align-center");
  assertEquals(cellAlignClass("left"), "align-left");
  assertEquals(cellAlignClass("justify"), null);
  assertEquals(cellAlignClass(null), null);
});
