/**
 * Renders model output safely: math protected from markdown, markdown with `marked` (GFM),
 * the HTML sanitised by DOMPurify, then formulas (KaTeX) and code highlighting loaded on
 * demand. Remote images are never loaded by rendering: the sanitiser strips their source and
 * a button "Load image from <host>" stands in until the user clicks. Browser only.
 * @module
 */
import { Marked } from "marked";
import DOMPurify from "dompurify";
import { type MathSpan, protectMath, restoreMathSource, splitPlaceholders } from "./math.ts";
import { loadImageLabel, safeImageUrl } from "./format.ts";
import { highlightCode } from "./highlight.ts";
import { loadMathRenderer } from "./katex.ts";

/** Attribute holding an image's source until the user asks for it. */
export const IMAGE_SRC_ATTR = "data-image-src";

const marked = new Marked({ gfm: true, breaks: false, async: false });

let hooked = false;

/** Installs the sanitiser hooks once (DOMPurify keeps them on its global instance). */
function purifier(): typeof DOMPurify {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      const el = node as Element;
      switch (el.nodeName) {
        case "A":
          if (el.hasAttribute("href")) {
            el.setAttribute("target", "_blank");
            el.setAttribute("rel", "noopener noreferrer");
          }
          break;
        case "IMG": {
          // The image must never load by itself: move its source aside before the fragment
          // reaches the live document.
          const src = el.getAttribute("src");
          el.removeAttribute("src");
          el.removeAttribute("srcset");
          if (src) el.setAttribute(IMAGE_SRC_ATTR, src);
          break;
        }
        case "INPUT":
          // GFM task lists: inert checkboxes only (an `<input type=image>` would load).
          el.removeAttribute("src");
          el.setAttribute("type", "checkbox");
          el.setAttribute("disabled", "");
          break;
      }
    });
  }
  return DOMPurify;
}

const SANITIZE_OPTIONS = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "style",
    "form",
    "button",
    "textarea",
    "select",
    "video",
    "audio",
    "source",
    "track",
    "picture",
    "iframe",
    "frame",
    "object",
    "embed",
    "link",
    "meta",
    "base",
  ],
  FORBID_ATTR: ["style", "srcset", "background", "poster", "ping", "formaction", "action"],
  ALLOW_DATA_ATTR: false,
};

/** Options of {@linkcode renderMarkdown}. */
export interface RenderOptions {
  /** Highlight code blocks (loads highlight.js). Default true. */
  highlight?: boolean;
}

/**
 * Renders markdown into a sanitised fragment owned by `doc`, ready to insert.
 *
 * @example
 * ```ts
 * el.replaceChildren(await renderMarkdown("**hi** $x^2$", document));
 * ```
 */
export async function renderMarkdown(
  src: string,
  doc: Document,
  opts: RenderOptions = {},
): Promise<DocumentFragment> {
  const { text, math } = protectMath(src);
  const html = marked.parse(text, { async: false }) as string;
  const clean = purifier().sanitize(html, { ...SANITIZE_OPTIONS, RETURN_DOM_FRAGMENT: true });
  const frag = doc.importNode(clean, true);
  if (math.length > 0) await insertMath(frag, math, doc);
  replaceImages(frag, doc);
  decorateCode(frag, doc);
  wrapTables(frag, doc);
  if (opts.highlight !== false) await highlightCode(frag);
  return frag;
}

/** Swaps math placeholders in text nodes for rendered KaTeX, and back to source elsewhere. */
async function insertMath(frag: DocumentFragment, math: MathSpan[], doc: Document): Promise<void> {
  let render: ((span: MathSpan) => string | null) | null = null;
  try {
    render = await loadMathRenderer(doc);
  } catch {
    render = null; // KaTeX unavailable: formulas show as their source.
  }
  const walker = doc.createTreeWalker(frag, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  while (walker.nextNode()) texts.push(walker.currentNode as Text);
  for (const node of texts) {
    const parts = splitPlaceholders(node.data);
    if (parts.length === 1 && typeof parts[0] === "string") continue;
    const inCode = node.parentElement?.closest("code, pre") != null;
    const nodes: Node[] = parts.map((p) => {
      if (typeof p === "string") return doc.createTextNode(p);
      const span = math[p];
      if (!span) return doc.createTextNode("");
      const html = !inCode && render ? render(span) : null;
      if (html === null) return doc.createTextNode(span.raw);
      const holder = doc.createElement(span.display ? "div" : "span");
      holder.className = span.display ? "math math-display" : "math";
      holder.innerHTML = html; // KaTeX output with trust:false: markup it generated itself.
      return holder;
    });
    node.replaceWith(...nodes);
  }
  // Placeholders that ended up in attributes (e.g. a link title) get their source back.
  for (const el of Array.from(frag.querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      if (attr.value.includes("\uE000")) {
        el.setAttribute(attr.name, restoreMathSource(attr.value, math));
      }
    }
  }
}

/** Replaces each (already source-less) image by a button that loads it on click. */
function replaceImages(frag: DocumentFragment, doc: Document): void {
  for (const img of Array.from(frag.querySelectorAll("img"))) {
    const src = safeImageUrl(img.getAttribute(IMAGE_SRC_ATTR), doc.baseURI);
    if (!src) {
      img.replaceWith(doc.createTextNode(img.getAttribute("alt") ?? ""));
      continue;
    }
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "load-image";
    button.setAttribute(IMAGE_SRC_ATTR, src);
    const alt = img.getAttribute("alt") ?? "";
    if (alt) button.setAttribute("data-alt", alt);
    button.textContent = loadImageLabel(src);
    if (alt) button.title = alt;
    img.replaceWith(button);
  }
}

/** Wraps code blocks with a bar showing the language and a "Copy" button. */
function decorateCode(frag: DocumentFragment, doc: Document): void {
  for (const pre of Array.from(frag.querySelectorAll("pre"))) {
    const code = pre.querySelector("code");
    const cls = code ? Array.from(code.classList).find((c) => c.startsWith("language-")) : null;
    const wrap = doc.createElement("div");
    wrap.className = "code-block";
    const bar = doc.createElement("div");
    bar.className = "code-bar";
    const lang = doc.createElement("span");
    lang.textContent = cls ? cls.slice("language-".length) : "";
    const copy = doc.createElement("button");
    copy.type = "button";
    copy.className = "copy-code";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", "Copy code");
    bar.append(lang, copy);
    pre.replaceWith(wrap);
    wrap.append(bar, pre);
  }
}

/**
 * The class that aligns a table cell, from marked's `align` attribute (`:--`, `:-:`, `--:`), or
 * `null` for any other value. A class, because the stylesheet's `text-align` outranks the
 * attribute, and inline styles are stripped from model output.
 *
 * @example
 * ```ts
 * cellAlignClass("right"); // "align-right"
 * ```
 */
export function cellAlignClass(align: string | null): string | null {
  const a = align?.trim().toLowerCase();
  return a === "left" || a === "center" || a === "right" ? `align-${a}` : null;
}

/** Wide tables scroll on their own instead of widening the page; cells keep their alignment. */
function wrapTables(frag: DocumentFragment, doc: Document): void {
  for (const cell of Array.from(frag.querySelectorAll("th[align], td[align]"))) {
    const cls = cellAlignClass(cell.getAttribute("align"));
    cell.removeAttribute("align");
    if (cls) cell.classList.add(cls);
  }
  for (const table of Array.from(frag.querySelectorAll("table"))) {
    const wrap = doc.createElement("div");
    wrap.className = "table-wrap";
    table.replaceWith(wrap);
    wrap.append(table);
  }
}

/**
 * Handles clicks inside rendered markdown: "Copy" on code blocks and "Load image". Returns
 * true when it handled the click. Use as a delegated listener on the message element.
 */
export function handleMarkdownClick(event: MouseEvent): boolean {
  const target = event.target as Element | null;
  if (!target || typeof target.closest !== "function") return false;
  const copy = target.closest("button.copy-code");
  if (copy) {
    const code = copy.closest(".code-block")?.querySelector("pre code, pre");
    if (code) {
      void copyText(code.textContent ?? "").then((ok) =>
        flash(copy as HTMLElement, ok ? "Copied" : "Copy failed")
      );
    }
    return true;
  }
  const load = target.closest("button.load-image");
  if (load) {
    const src = safeImageUrl(load.getAttribute(IMAGE_SRC_ATTR));
    if (src) {
      const img = load.ownerDocument.createElement("img");
      img.alt = load.getAttribute("data-alt") ?? "";
      img.referrerPolicy = "no-referrer";
      img.loading = "lazy";
      img.src = src;
      load.replaceWith(img);
    }
    return true;
  }
  return false;
}

/** Shows a short confirmation on a button, then restores its label. */
function flash(button: HTMLElement, text: string): void {
  const old = button.dataset.label ?? button.textContent ?? "";
  button.dataset.label = old;
  button.textContent = text;
  setTimeout(() => {
    button.textContent = old;
  }, 1500);
}

/**
 * Copies text to the clipboard; falls back to a hidden textarea where the Clipboard API is
 * not available (plain http on a LAN address). Resolves to whether it worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}
