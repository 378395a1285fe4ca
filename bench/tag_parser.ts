/**
 * Tag parser benchmark: MB/s of `createTagParser().push/end` over streamed text, chunked
 * small (as model deltas are), with and without `<action>` tags. Baseline: a plain
 * pass-through that only concatenates the chunks (the floor of any streaming consumer).
 * @module
 */
import { createTagParser } from "../lib/chat/tag_parser.ts";
import type { Figure } from "./report.ts";
import { median } from "./stats.ts";

/** Builds ~`bytes` of model-like text, with an action tag every ~2 KB when `tags`. */
export function sampleText(bytes: number, tags: boolean): string {
  const words = "the quick brown fox jumps over a lazy dog; code `x < y` and 3 > 2 ".split(" ");
  const parts: string[] = [];
  let size = 0, i = 0;
  while (size < bytes) {
    const piece = tags && i % 300 === 299
      ? `<action name="weather.forecast">{"city": "Paris", "days": ${i}}</action> `
      : words[i % words.length] + " ";
    parts.push(piece);
    size += piece.length;
    i++;
  }
  return parts.join("");
}

/** Splits text into chunks of 1..8 characters (deterministic). */
export function smallChunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < text.length; k++) {
    const n = 1 + (k * 7) % 8;
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

function timeParse(chunks: string[]): number {
  const t0 = performance.now();
  const p = createTagParser();
  let events = 0;
  for (const c of chunks) events += p.push(c).length;
  events += p.end().length;
  if (events === 0) throw new Error("tag parser produced no events");
  return performance.now() - t0;
}

function timeConcat(chunks: string[]): number {
  const t0 = performance.now();
  let s = "";
  for (const c of chunks) s += c;
  if (s.length === 0) throw new Error("empty");
  return performance.now() - t0;
}

/** Runs the tag parser benchmark. */
export function benchTagParser(log: (s: string) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const bytes = 4 * 1024 * 1024;
  for (const tags of [false, true]) {
    const text = sampleText(bytes, tags);
    const chunks = smallChunks(text);
    const mb = text.length / 1e6;
    const parse: number[] = [], base: number[] = [];
    for (let r = 0; r < 7; r++) {
      parse.push(mb / (timeParse(chunks) / 1000));
      base.push(mb / (timeConcat(chunks) / 1000));
    }
    figures.push({
      area: "tags",
      name: `parser throughput ${tags ? "with" : "without"} tags`,
      value: median(parse),
      unit: "MB/s",
      baseline: median(base),
      baselineName: "concat",
      target: { op: ">", limit: 50 },
      note: `${mb.toFixed(1)} MB in ${chunks.length} chunks of 1-8 chars; median of 7`,
    });
  }
  log("tags: done");
  return Promise.resolve(figures);
}
