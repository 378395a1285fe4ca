/**
 * Finding a search hit's words inside a rendered message, to scroll to them and mark them with
 * the CSS Custom Highlight API (no change to the message's DOM, which markdown rendering owns).
 * Browser only.
 * @module
 */

/** The name of the highlight; `::highlight(search-hit)` in the stylesheet styles it. */
export const SEARCH_HIGHLIGHT = "search-hit";

/**
 * The first place in `root`'s text where one of `terms` occurs (case-insensitive), as a
 * `Range`, or `null`. A term split across elements (`**pel**icans`) is not found.
 *
 * @example
 * ```ts
 * findTextRange(article, ["pelicans"])?.startContainer.parentElement?.scrollIntoView();
 * ```
 */
export function findTextRange(root: Node, terms: readonly string[]): Range | null {
  const wanted = terms.map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (wanted.length === 0) return null;
  const doc = root.ownerDocument ?? (root as Document);
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode as Text;
    const text = node.data.toLowerCase();
    let best: { at: number; length: number } | null = null;
    for (const term of wanted) {
      const at = text.indexOf(term);
      if (at !== -1 && (best === null || at < best.at)) best = { at, length: term.length };
    }
    if (best) {
      const range = doc.createRange();
      range.setStart(node, best.at);
      range.setEnd(node, best.at + best.length);
      return range;
    }
  }
  return null;
}

/** Marks `range` as the search hit (replacing any earlier one); false where unsupported. */
export function highlightRange(range: Range | null): boolean {
  const registry = (globalThis.CSS as { highlights?: Map<string, unknown> } | undefined)
    ?.highlights;
  const Highlight = (globalThis as { Highlight?: new (...r: Range[]) => unknown }).Highlight;
  if (!registry || !Highlight) return false;
  if (range) registry.set(SEARCH_HIGHLIGHT, new Highlight(range));
  else registry.delete(SEARCH_HIGHLIGHT);
  return true;
}
