/**
 * KaTeX, loaded on demand the first time a message contains math, with its stylesheet
 * (served by rungpt at `/vendor/katex/`). Browser only.
 * @module
 */
import type { MathSpan } from "./math.ts";

type RenderToString = (tex: string, options: Record<string, unknown>) => string;

let katexPromise: Promise<RenderToString> | null = null;

/** Adds KaTeX's stylesheet to the page once. */
function ensureStylesheet(doc: Document): void {
  if (doc.querySelector("link[data-katex]")) return;
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = "/vendor/katex/katex.min.css";
  link.dataset.katex = "";
  doc.head.append(link);
}

/** Loads KaTeX (once) and returns a renderer that never throws. */
export async function loadMathRenderer(doc: Document): Promise<(span: MathSpan) => string | null> {
  ensureStylesheet(doc);
  katexPromise ??= import("katex").then((m) => m.default.renderToString as RenderToString);
  const render = await katexPromise;
  return (span) => {
    try {
      // trust:false keeps \href, \includegraphics and friends from emitting links or images.
      return render(span.tex, {
        displayMode: span.display,
        throwOnError: false,
        trust: false,
        strict: "ignore",
        output: "htmlAndMathml",
        maxExpand: 1000,
        maxSize: 50,
      });
    } catch {
      return null;
    }
  };
}
