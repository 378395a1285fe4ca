/**
 * Search snippets from the server wrap matches in `\u0001` … `\u0002`. These helpers turn
 * them into parts the UI renders as text and `<mark>` elements, so nothing is ever parsed as
 * HTML.
 * @module
 */

/** A run of snippet text; `mark` is true for a match. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

/**
 * Splits a snippet at its match markers. Unbalanced markers are tolerated: a stray close is
 * dropped and an unclosed match runs to the end.
 *
 * @example
 * ```ts
 * snippetParts("say \u0001hello\u0002 <b>");
 * // [{ text: "say ", mark: false }, { text: "hello", mark: true }, { text: " <b>", mark: false }]
 * ```
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let mark = false;
  let buf = "";
  const flush = () => {
    if (buf) {
      const prev = parts[parts.length - 1];
      if (prev && prev.mark === mark) prev.text += buf;
      else parts.push({ text: buf, mark });
    }
    buf = "";
  };
  for (const ch of snippet) {
    if (ch === "\u0001") {
      flush();
      mark = true;
    } else if (ch === "\u0002") {
      flush();
      mark = false;
    } else {
      buf += ch;
    }
  }
  flush();
  return parts;
}

/** The snippet as plain text, markers removed. */
export function snippetText(snippet: string): string {
  return snippet.replaceAll("\u0001", "").replaceAll("\u0002", "");
}
