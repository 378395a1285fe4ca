import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  placeholder,
  protectMath,
  restoreMathSource,
  splitPlaceholders,
} from "../../../lib/ui/math.ts";

Deno.test("protectMath takes inline and display math out of the markdown", () => {
  const { text, math } = protectMath("Euler: $e^{i\\pi}+1=0$ and\n\n$$\\sum_{k=1}^n k_i$$");
  assertEquals(text, `Euler: ${placeholder(0)} and\n\n${placeholder(1)}`);
  assertEquals(math.map((m) => [m.tex, m.display]), [
    ["e^{i\\pi}+1=0", false],
    ["\\sum_{k=1}^n k_i", true],
  ]);
  assertEquals(math[0].raw, "$e^{i\\pi}+1=0$");
});

Deno.test("protectMath understands \\( \\) and \\[ \\] delimiters", () => {
  const { text, math } = protectMath("a \\(x_1\\) b \\[ \\frac{a}{b} \\] c");
  assertEquals(text, `a ${placeholder(0)} b ${placeholder(1)} c`);
  assertEquals(math.map((m) => [m.tex, m.display]), [["x_1", false], ["\\frac{a}{b}", true]]);
});

Deno.test("protectMath leaves prices, escaped dollars and unclosed dollars alone", () => {
  for (const src of ["It costs $5 and $10 today", "a \\$x$ b", "just $ one", "$ x$", "a $x\ny$"]) {
    const { text, math } = protectMath(src);
    assertEquals(math, [], src);
    assertEquals(text, src);
  }
});

Deno.test("protectMath skips inline code and fenced code blocks", () => {
  const src = "`$x$` and ``a ` $y$`` then\n```sh\necho $HOME $PATH\n```\nafter $z$";
  const { text, math } = protectMath(src);
  assertEquals(math.map((m) => m.tex), ["z"]);
  assertEquals(text, src.replace("$z$", placeholder(0)));
});

Deno.test("protectMath: an unclosed fence protects to the end (streaming)", () => {
  const src = "text\n~~~\n$a$ and $b$";
  assertEquals(protectMath(src), { text: src, math: [] });
});

Deno.test("protectMath: placeholder characters in the input cannot spoof formulas", () => {
  const { text, math } = protectMath(`x ${placeholder(0)} $y$`);
  assertEquals(math.length, 1);
  assertEquals(splitPlaceholders(text), ["x \uFFFD0\uFFFD ", 0]);
});

Deno.test("math inside $$ keeps markdown-special characters intact", () => {
  const { math } = protectMath("$$a_1 * b_2 * c$$");
  assertEquals(math[0].tex, "a_1 * b_2 * c");
});

Deno.test("splitPlaceholders and restoreMathSource round-trip", () => {
  const src = "see $a$, $$b$$ and \\(c\\)";
  const { text, math } = protectMath(src);
  assertEquals(splitPlaceholders(text), ["see ", 0, ", ", 1, " and ", 2]);
  assertEquals(restoreMathSource(text, math), src);
  assertEquals(splitPlaceholders("plain"), ["plain"]);
  assertEquals(splitPlaceholders(""), []);
});
