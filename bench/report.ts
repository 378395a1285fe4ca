/**
 * Figures, targets and the printed table of a benchmark run. Pure: formatting only.
 * @module
 */
import { ratio } from "./stats.ts";

/** A target a figure is checked against: `value < limit` or `value > limit`. */
export interface Target {
  op: "<" | ">";
  limit: number;
}

/** One measured figure, with the baseline measured in the same run (when there is one). */
export interface Figure {
  /** Area, e.g. `relay`. */
  area: string;
  /** What was measured, e.g. `v1 TTFT p50 @1`. */
  name: string;
  value: number;
  unit: string;
  /** The same thing without rungpt (e.g. the scripted model directly), same unit. */
  baseline?: number | null;
  /** What the baseline is, e.g. `direct`. */
  baselineName?: string;
  /** The target applies to `value`, or to `value - baseline` when `targetOn` is `added`. */
  target?: Target;
  targetOn?: "value" | "added";
  /** Free text: p99, counts, caveats. */
  note?: string;
}

/** Pass, miss, or no target. */
export type Verdict = "pass" | "miss" | "";

/**
 * Whether a figure meets its target (`""` when it has none).
 *
 * @example
 * ```ts
 * verdict({ area: "a", name: "b", value: 3, unit: "ms", target: { op: "<", limit: 5 } }); // => "pass"
 * ```
 */
export function verdict(f: Figure): Verdict {
  if (!f.target) return "";
  const v = f.targetOn === "added" ? f.value - (f.baseline ?? 0) : f.value;
  if (!Number.isFinite(v)) return "miss";
  return (f.target.op === "<" ? v < f.target.limit : v > f.target.limit) ? "pass" : "miss";
}

/**
 * Formats a number for the table: up to 3 significant decimals, no exponent for common sizes.
 *
 * @example
 * ```ts
 * formatNumber(1234.5678); // => "1235"
 * formatNumber(0.012345); // => "0.0123"
 * ```
 */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return "-";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return "0";
  return x.toPrecision(3);
}

function targetText(f: Figure): string {
  if (!f.target) return "";
  return `${f.targetOn === "added" ? "added " : ""}${f.target.op} ${
    formatNumber(f.target.limit)
  } ${f.unit}`;
}

/** The table's header row. */
export const TABLE_HEADER = [
  "area",
  "figure",
  "value",
  "baseline",
  "ratio",
  "target",
  "result",
] as const;

/** One table row per figure, as strings, in {@linkcode TABLE_HEADER} order. */
export function tableRows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => {
    const r = ratio(f.value, f.baseline);
    return [
      f.area,
      f.name,
      `${formatNumber(f.value)} ${f.unit}`,
      f.baseline === undefined || f.baseline === null
        ? "-"
        : `${formatNumber(f.baseline)}${f.baselineName ? ` (${f.baselineName})` : ""}`,
      r === null ? "-" : `${formatNumber(r)}x`,
      targetText(f),
      verdict(f),
    ];
  });
}

/**
 * A plain-text table with aligned columns (for the terminal).
 *
 * @example
 * ```ts
 * console.log(formatTable([{ area: "tags", name: "MB/s", value: 80, unit: "MB/s" }]));
 * ```
 */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [[...TABLE_HEADER], ...tableRows(figures)];
  const widths = TABLE_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)]
    .join("\n");
}

/**
 * The same table in Markdown (for docs/benchmarks.md). Pipes in cells are escaped.
 *
 * @example
 * ```ts
 * formatMarkdownTable([]); // header and separator only
 * ```
 */
export function formatMarkdownTable(figures: readonly Figure[]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const rows = tableRows(figures);
  return [
    `| ${TABLE_HEADER.join(" | ")} |`,
    `|${TABLE_HEADER.map(() => " --- ").join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}
