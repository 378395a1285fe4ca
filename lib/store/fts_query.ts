/**
 * Turns whatever the user typed into a safe FTS5 query.
 * @module
 */

// A word must hold at least one character the unicode61 tokenizer indexes (letters, numbers,
// private use); anything else would become an empty phrase, which matches nothing useful.
const HAS_TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;

/**
 * Builds an FTS5 MATCH expression from free text: each whitespace-separated word becomes a
 * quoted phrase (so `AND`, `*`, `(`, `"` and `:` are plain text, never syntax), all words must
 * match, and the last word is a prefix so search-as-you-type finds partial words.
 * Returns `null` when nothing searchable is left (e.g. the input is only punctuation).
 *
 * @example
 * ```ts
 * toFtsQuery('say "hi" AND wor'); // => '"say" """hi""" "AND" "wor"*'
 * toFtsQuery("(*)"); // => null
 * ```
 */
export function toFtsQuery(text: string): string | null {
  const words = text.split(/\s+/u).filter((w) => HAS_TOKEN_CHAR.test(w));
  if (words.length === 0) return null;
  return words
    .map((w, i) => {
      const phrase = `"${w.replaceAll('"', '""')}"`;
      return i === words.length - 1 ? `${phrase}*` : phrase;
    })
    .join(" ");
}
