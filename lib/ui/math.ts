/**
 * Finds TeX math in markdown source and swaps it for placeholders before `marked` runs, so
 * that markdown never mangles `_`, `*` or `\\` inside formulas. Pure: no DOM, runs anywhere.
 *
 * Recognised: `$$…$$` and `\[…\]` (display), `$…$` and `\(…\)` (inline). Code spans and fenced
 * code blocks are left alone, `\$` is a literal dollar, and `$5 and $10` is not math.
 * @module
 */

/** One formula taken out of the source. */
export interface MathSpan {
  /** The TeX between the delimiters. */
  tex: string;
  /** `true` for `$$…$$` / `\[…\]`. */
  display: boolean;
  /** The original text, delimiters included (shown if rendering fails). */
  raw: string;
}

/** Result of {@linkcode protectMath}. */
export interface ProtectedMath {
  /** The source with every formula replaced by a placeholder. */
  text: string;
  /** The formulas, indexed by placeholder number. */
  math: MathSpan[];
}

/** Placeholder delimiters: private-use characters that markdown leaves untouched. */
const OPEN = "\uE000";
const CLOSE = "\uE001";
const PLACEHOLDER_RE = /\uE000(\d+)\uE001/g;

/** The placeholder for formula number `i`. */
export function placeholder(i: number): string {
  return `${OPEN}${i}${CLOSE}`;
}

/**
 * Replaces math with placeholders.
 *
 * @example
 * ```ts
 * const { text, math } = protectMath("Euler: $e^{i\\pi}+1=0$");
 * // text === "Euler: \uE0000\uE001", math[0].tex === "e^{i\\pi}+1=0"
 * ```
 */
export function protectMath(src: string): ProtectedMath {
  // Placeholder characters typed by the model itself must not be able to spoof formulas.
  src = src.replace(/[\uE000\uE001]/g, "\uFFFD");
  const math: MathSpan[] = [];
  let out = "";
  let i = 0;
  const n = src.length;
  let lineStart = true;

  const take = (tex: string, display: boolean, raw: string) => {
    out += placeholder(math.length);
    math.push({ tex, display, raw });
  };

  while (i < n) {
    const ch = src[i];

    // Fenced code block: copy verbatim up to the closing fence.
    if (lineStart) {
      const fence = /^ {0,3}(`{3,}|~{3,})/.exec(src.slice(i, i + 64));
      if (fence) {
        const marker = fence[1];
        const close = new RegExp(
          `\\n {0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}[ \\t]*(?=\\n|$)`,
          "g",
        );
        close.lastIndex = i + fence[0].length;
        const m = close.exec(src);
        const end = m ? m.index + m[0].length : n;
        out += src.slice(i, end);
        i = end;
        lineStart = false;
        continue;
      }
    }

    if (ch === "\n") {
      out += ch;
      i++;
      lineStart = true;
      continue;
    }
    lineStart = false;

    // Inline code: a run of N backticks up to the next run of exactly N.
    if (ch === "`") {
      let j = i;
      while (j < n && src[j] === "`") j++;
      const ticks = src.slice(i, j);
      let k = j;
      let found = -1;
      while (k < n) {
        const next = src.indexOf(ticks, k);
        if (next < 0) break;
        let e = next + ticks.length;
        if (src[next - 1] !== "`" && src[e] !== "`") {
          found = next;
          break;
        }
        while (e < n && src[e] === "`") e++;
        k = e;
      }
      if (found < 0) {
        out += ticks;
        i = j;
      } else {
        const end = found + ticks.length;
        out += src.slice(i, end);
        i = end;
      }
      continue;
    }

    if (ch === "\\") {
      const next = src[i + 1];
      if (next === "[" || next === "(") {
        const closer = next === "[" ? "\\]" : "\\)";
        const end = src.indexOf(closer, i + 2);
        if (end > i + 2 && !src.slice(i + 2, end).includes("\n\n")) {
          take(src.slice(i + 2, end).trim(), next === "[", src.slice(i, end + 2));
          i = end + 2;
          continue;
        }
      }
      // Any other escape (including `\$`) passes through for marked to handle.
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }

    if (ch === "$") {
      if (src[i + 1] === "$") {
        const end = src.indexOf("$$", i + 2);
        if (end > i + 2 && !src.slice(i + 2, end).includes("\n\n")) {
          take(src.slice(i + 2, end).trim(), true, src.slice(i, end + 2));
          i = end + 2;
          continue;
        }
        out += "$$";
        i += 2;
        continue;
      }
      const end = findInlineDollarEnd(src, i);
      if (end > 0) {
        take(src.slice(i + 1, end), false, src.slice(i, end + 1));
        i = end + 1;
        continue;
      }
    }

    out += ch;
    i++;
  }
  return { text: out, math };
}

/** Index of the `$` closing an inline formula opened at `start`, or -1 when it is not math. */
function findInlineDollarEnd(src: string, start: number): number {
  const first = src[start + 1];
  if (first === undefined || /\s/.test(first)) return -1;
  for (let j = start + 1; j < src.length; j++) {
    const c = src[j];
    if (c === "\n") return -1;
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "$") {
      // `$5 and $10`: a closing dollar after a space or before a digit is not math.
      if (/\s/.test(src[j - 1]) || /\d/.test(src[j + 1] ?? "")) return -1;
      return j;
    }
  }
  return -1;
}

/**
 * Splits text at placeholders: strings stay strings, placeholders become formula indexes.
 *
 * @example
 * ```ts
 * splitPlaceholders("a \uE0000\uE001 b"); // ["a ", 0, " b"]
 * ```
 */
export function splitPlaceholders(text: string): Array<string | number> {
  const parts: Array<string | number> = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(Number(m[1]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Puts the original source back in place of placeholders (for attributes and fallbacks). */
export function restoreMathSource(text: string, math: MathSpan[]): string {
  return text.replace(PLACEHOLDER_RE, (whole, i) => math[Number(i)]?.raw ?? whole);
}
