/**
 * Turns whatever the user typed into a safe FTS5 query.
 * @module
 */

// A word must hold at least one character the unicode61 tokenizer indexes (letters, numbers,
// private use); anything else would become an empty phrase, which matches nothing useful.
const HAS_TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
const TOKEN_CHARS = /[\p{L}\p{N}\p{Co}]/gu;

/**
 * Shortest last word that is matched as a prefix. A one-letter prefix has no prefix index
 * (the tables index 2- and 3-character prefixes) and matches most of the vocabulary, so FTS5
 * would merge nearly every doclist; a one-letter word is matched whole instead.
 */
export const MIN_PREFIX_CHARS = 2;

/**
 * Builds an FTS5 MATCH expression from free text: each whitespace-separated word becomes a
 * quoted phrase (so `AND`, `*`, `(`, `"` and `:` are plain text, never syntax), all words must
 * match, and the last word is a prefix so search-as-you-type finds partial words (when it has at
 * least {@linkcode MIN_PREFIX_CHARS} characters).
 * Returns `null` when nothing searchable is left (e.g. the input is only punctuation).
 *
 * @example
 * ```ts
 * toFtsQuery('say "hi" AND wor'); // => '"say" """hi""" "AND" "wor"*'
 * toFtsQuery("a b"); // => '"a" "b"' (one letter: a whole word, not a prefix)
 * toFtsQuery("(*)"); // => null
 * ```
 */
export function toFtsQuery(text: string): string | null {
  const words = text.split(/\s+/u).filter((w) => HAS_TOKEN_CHAR.test(w));
  if (words.length === 0) return null;
  return words
    .map((w, i) => {
      const phrase = `"${w.replaceAll('"', '""')}"`;
      const prefix = i === words.length - 1 &&
        (w.match(TOKEN_CHARS)?.length ?? 0) >= MIN_PREFIX_CHARS;
      return prefix ? `${phrase}*` : phrase;
    })
    .join(" ");
}
