/**
 * Pure helpers of the benchmark harness: order statistics over samples and ratios.
 * No I/O here, so tests can check them exactly.
 * @module
 */

/** Summary of repeated measurements (same unit as the samples). */
export interface Summary {
  n: number;
  min: number;
  median: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `q`-quantile (0..1) of `samples` by the nearest-rank method (no interpolation), so the
 * value is always one that was measured. Throws on an empty list or a `q` outside 0..1.
 *
 * @example
 * ```ts
 * quantile([5, 1, 3], 0.5); // => 3
 * ```
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error("quantile: no samples");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in 0..1, not ${q}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/**
 * The median: the middle sample, or the mean of the two middle ones for an even count.
 *
 * @example
 * ```ts
 * median([4, 1, 3, 2]); // => 2.5
 * ```
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median: no samples");
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The 99th percentile (nearest rank). */
export function p99(samples: readonly number[]): number {
  return quantile(samples, 0.99);
}

/**
 * Summarizes samples: count, min, median, p99, max, mean.
 *
 * @example
 * ```ts
 * summarize([1, 2, 3]).median; // => 2
 * ```
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("summarize: no samples");
  let sum = 0;
  for (const x of samples) sum += x;
  return {
    n: samples.length,
    min: Math.min(...samples),
    median: median(samples),
    p99: p99(samples),
    max: Math.max(...samples),
    mean: sum / samples.length,
  };
}

/**
 * `value / baseline`, or `null` when there is no meaningful ratio (no baseline, or zero).
 *
 * @example
 * ```ts
 * ratio(3, 2); // => 1.5
 * ```
 */
export function ratio(value: number, baseline: number | null | undefined): number | null {
  if (baseline === null || baseline === undefined || baseline === 0) return null;
  if (!Number.isFinite(value) || !Number.isFinite(baseline)) return null;
  return value / baseline;
}
