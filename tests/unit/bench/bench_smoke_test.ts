// The benchmark harness's pure helpers: order statistics, verdicts and table formatting.
import assert from "node:assert/strict";
import { median, p99, quantile, ratio, summarize } from "../../../bench/stats.ts";
import {
  type Figure,
  formatMarkdownTable,
  formatNumber,
  formatTable,
  verdict,
} from "../../../bench/report.ts";
import { pageAssets, staticImports } from "../../../bench/page_weight.ts";
import { functionImports } from "../../../bench/wasm_baseline.ts";
import { buildWasm } from "../../support/git_fixtures.ts";

Deno.test("median and p99 use the measured samples", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  assert.equal(p99(hundred), 99);
  assert.equal(quantile(hundred, 1), 100);
  assert.equal(quantile(hundred, 0), 1);
  assert.equal(p99([7]), 7);
  assert.deepEqual(summarize([1, 2, 3, 10]), {
    n: 4,
    min: 1,
    median: 2.5,
    p99: 10,
    max: 10,
    mean: 4,
  });
  assert.throws(() => median([]), /no samples/);
  assert.throws(() => quantile([1], 2), /0\.\.1/);
});

Deno.test("ratio is null without a usable baseline", () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.equal(ratio(3, 0), null);
  assert.equal(ratio(3, null), null);
  assert.equal(ratio(3, undefined), null);
});

Deno.test("verdict checks the value, or the added part over the baseline", () => {
  const f: Figure = { area: "a", name: "n", value: 5, unit: "ms" };
  assert.equal(verdict(f), "");
  assert.equal(verdict({ ...f, target: { op: "<", limit: 6 } }), "pass");
  assert.equal(verdict({ ...f, target: { op: "<", limit: 5 } }), "miss");
  assert.equal(verdict({ ...f, target: { op: ">", limit: 4 } }), "pass");
  assert.equal(
    verdict({ ...f, baseline: 4, target: { op: "<", limit: 2 }, targetOn: "added" }),
    "pass",
  );
  assert.equal(
    verdict({ ...f, baseline: 1, target: { op: "<", limit: 2 }, targetOn: "added" }),
    "miss",
  );
  assert.equal(verdict({ ...f, value: NaN, target: { op: "<", limit: 2 } }), "miss");
});

Deno.test("tables align columns and show ratio, target and result", () => {
  assert.equal(formatNumber(1234.5678), "1235");
  assert.equal(formatNumber(12.345), "12.3");
  assert.equal(formatNumber(1.2345), "1.23");
  assert.equal(formatNumber(0.012345), "0.0123");
  assert.equal(formatNumber(null), "-");
  const figures: Figure[] = [
    {
      area: "relay",
      name: "v1 TTFT p50 @1",
      value: 3,
      unit: "ms",
      baseline: 2,
      baselineName: "direct",
      target: { op: "<", limit: 2 },
      targetOn: "added",
    },
    { area: "tags", name: "MB/s | x", value: 80, unit: "MB/s" },
  ];
  const lines = formatTable(figures).split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^area\s+figure\s+value\s+baseline\s+ratio\s+target\s+result$/);
  assert.match(
    lines[2],
    /relay\s+v1 TTFT p50 @1\s+3\.00 ms\s+2\.00 \(direct\)\s+1\.50x\s+added < 2\.00 ms\s+pass/,
  );
  // Every row's columns start at the same offsets as the header's.
  assert.equal(lines[2].indexOf("3.00 ms"), lines[0].indexOf("value"));
  assert.equal(lines[3].indexOf("80.0 MB/s"), lines[0].indexOf("value"));
  const md = formatMarkdownTable(figures).split("\n");
  assert.equal(md[0], "| area | figure | value | baseline | ratio | target | result |");
  assert.equal(md[3], "| tags | MB/s \\| x | 80.0 MB/s | - | - |  |  |");
});

Deno.test("page assets and static imports are found", () => {
  const html = `<link rel="stylesheet" href="/static/app.css"><link rel="modulepreload"
    href="/_islands/x/chunk.js"><script type="module" src="/_islands/x/boot.js"></script>
    <script type="module" src="/_islands/x/boot.js"></script><link rel="icon" href="/i.svg">`;
  assert.deepEqual(pageAssets(html), [
    { kind: "css", href: "/static/app.css" },
    { kind: "js", href: "/_islands/x/chunk.js" },
    { kind: "js", href: "/_islands/x/boot.js" },
  ]);
  assert.deepEqual(
    staticImports(
      `import{a as b}from"./c1.js";import "./c2.js";export*from"./c3.js";import("./lazy.js")`,
    ),
    ["./c1.js", "./c2.js", "./c3.js"],
  );
});

Deno.test("wasm import signatures are read from the binary", () => {
  const bytes = buildWasm({ imports: [["rungpt:log", "write"]], exports: ["hello"] });
  const imports = functionImports(bytes);
  assert.equal(imports.length, 1);
  assert.equal(imports[0].module, "rungpt:log");
  assert.equal(imports[0].name, "write");
});
