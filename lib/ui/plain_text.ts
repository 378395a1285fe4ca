/**
 * Markdown syntax taken out of short text shown as plain text: conversation titles and search
 * snippets. Snippets are fragments cut anywhere, so this works line by line on the marks
 * themselves rather than parsing a document; text that only looks like syntax (`2*3*4`,
 * `a < b`, `snake_case`) is left alone. Search match markers (`\u0001`, `\u0002`) pass through.
 * @module
 */

/** Inline rules, applied in order; each keeps the text inside the syntax. */
const INLINE: [RegExp, string][] = [
  // Images and links: their text (the URL is not what the user reads).
  [/!?\[([^\]\n]*)\]\([^)\n]*\)/g, "$1"],
  // Code spans: the code without its backticks.
  [/(`+)([^`\n]+?)\1/g, "$2"],
  // Bold, italic and strike marks hugging a word: `**a b**`, `_a_`, `~~a~~`.
  [/(\*\*|__|~~)(?=\S)([^\n]*?\S)\1/g, "$2"],
  // deno-lint-ignore no-control-regex -- search match markers may hug the emphasis
  [/(^|[\s(\u0001])([*_])(?=\S)([^*_\n]*?\S)\2(?=$|[\s).,;:!?\u0002])/gm, "$1$3"],
];

/** Block marks at the start of a line: headings, quotes, list bullets, fences. */
const LINE_START =
  /^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+(?:\[[ xX]\][ \t]+)?|`{3,}[^\s`]*|~{3,}\S*)/gm;

/**
 * `text` without its markdown marks: `**bold**` → `bold`, `` `code` `` → `code`,
 * `[docs](https://…)` → `docs`, `# Title` → `Title`.
 *
 * @example
 * ```ts
 * stripMarkdown("# Use **`deno`** — see [docs](https://deno.com)"); // "Use deno — see docs"
 * ```
 */
export function stripMarkdown(text: string): string {
  let out = text.replace(LINE_START, "");
  for (const [pattern, replacement] of INLINE) out = out.replace(pattern, replacement);
  return out;
}
