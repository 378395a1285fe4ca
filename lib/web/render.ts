/**
 * Server-side rendering of a page: the route's component inside the layout
 * (`routes/_app.tsx`), island markers, their props, and the scripts that hydrate them.
 * @module
 */
import { type ComponentType, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { serializeProps, withIslands } from "./islands.ts";
import type { AppModule, PageProps } from "./types.ts";

/** Where island bundles are served, once built. */
export interface IslandUrls {
  /** URL of boot.js. */
  boot: string;
  /** URL of each island's bundle by island name. */
  islands: Map<string, string>;
  /**
   * The shared chunks a bundle imports statically, by bundle URL, once the build is done;
   * preloading them saves a round trip before the page can hydrate.
   */
  chunks?: (url: string) => string[];
}

/**
 * Renders a full HTML document.
 *
 * @example
 * ```ts
 * const html = renderPage({ component: Page, props, layout, urls });
 * ```
 */
export function renderPage(opts: {
  component: ComponentType<PageProps<unknown>>;
  props: PageProps<unknown>;
  layout?: AppModule["default"];
  urls: IslandUrls;
}): string {
  const { component, props, layout, urls } = opts;
  const page = () => h(component, props);
  const tree = (layout ? h(layout, { Component: page, url: props.url }) : page()) as VNode;
  const { result: body, state } = withIslands(() => renderToString(tree));
  if (state.used.size === 0) return "<!DOCTYPE html>" + body;
  const src: Record<string, string> = {};
  for (const name of state.used) src[name] = urls.islands.get(name)!;
  const entries = [urls.boot, ...Object.values(src)];
  const preload = [...new Set([...entries, ...entries.flatMap((u) => urls.chunks?.(u) ?? [])])]
    .map((u) => `<link rel="modulepreload" href="${u}">`).join("");
  const scripts = `<script type="application/json" id="__rungpt_islands">${
    serializeProps({ src, props: state.props })
  }</script><script type="module" src="${urls.boot}"></script>`;
  // The layout renders </head> and </body>; put preloads and scripts just before them.
  // Replacer functions, not strings: the props hold conversation text, in which `$$`, `$&`
  // or `$'` would otherwise be read as replacement patterns (turning `$$x$$` into `$x$`).
  return "<!DOCTYPE html>" +
    body.replace("</head>", () => preload + "</head>").replace(
      /<\/body>(?![\s\S]*<\/body>)/,
      () => scripts + "</body>",
    );
}
