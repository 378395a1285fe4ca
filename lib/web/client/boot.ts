/**
 * Browser entry: hydrates every `<rungpt-island>` on the page with its bundle and props, then
 * marks it `data-hydrated` (until then its buttons and fields do nothing: tests wait for it).
 * The page carries one JSON script element: each island's bundle URL and every marker's props.
 * @module
 */
import { h, hydrate } from "preact";

interface PageIslands {
  src: Record<string, string>;
  props: Record<string, unknown>[];
}

const script = document.getElementById("__rungpt_islands");
const page: PageIslands = script ? JSON.parse(script.textContent!) : { src: {}, props: [] };

for (const el of document.querySelectorAll<HTMLElement>("rungpt-island")) {
  const src = page.src[el.dataset.island!];
  const props = page.props[Number(el.dataset.props)] ?? {};
  if (!src) continue;
  import(src).then((mod) => {
    hydrate(h(mod.default, props), el);
    el.dataset.hydrated = "";
  });
}
