/**
 * Server rendering of a page: island props reach the browser exactly as given, whatever the
 * text in them (conversation text is full of `$`).
 */
import assert from "node:assert/strict";
import { h } from "preact";
import { renderPage } from "../../../lib/web/render.ts";
import { registerIslands } from "../../../lib/web/islands.ts";
import type { AppModule, PageProps } from "../../../lib/web/types.ts";

function Shows({ text }: { text: string }) {
  return h("p", null, text);
}

const Layout: AppModule["default"] = ({ Component }) =>
  h("html", null, h("head", null, h("title", null, "t")), h("body", null, h(Component, null)));

/** The props of the page's islands, read back from its JSON script. */
function islandProps(html: string): unknown[] {
  const json = /<script type="application\/json" id="__rungpt_islands">(.*?)<\/script>/s
    .exec(html)?.[1];
  assert(json, "the page has the islands' props");
  return JSON.parse(json).props;
}

Deno.test("renderPage: `$` patterns in island props are kept verbatim", () => {
  registerIslands([{ name: "Shows", component: Shows, file: "/islands/Shows.tsx" }]);
  const text = "Display: $$\\frac{1}{3}$$, and $& $' $` $1 $<name> too";
  const html = renderPage({
    component: () => h(Shows, { text }),
    props: { data: null, params: {}, url: new URL("http://127.0.0.1/") } as PageProps<unknown>,
    layout: Layout,
    urls: { boot: "/boot.js", islands: new Map([["Shows", "/islands/Shows.js"]]) },
  });
  assert.deepEqual(islandProps(html), [{ text }]);
  assert.equal(html.match(/<\/body>/g)?.length, 1, "one </body>");
  assert.match(html, /<link rel="modulepreload" href="\/boot.js">.*<\/head>/s);
});
