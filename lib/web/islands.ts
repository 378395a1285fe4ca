/**
 * Islands: components under islands/ that are rendered on the server and hydrated in the
 * browser. On the server, a preact `options.vnode` hook wraps every island vnode in a
 * `<rungpt-island>` marker with its props beside it as JSON; in the browser, boot.ts finds
 * the markers, imports each island's bundle and hydrates it.
 * @module
 */
import { type ComponentType, h, options, type VNode } from "preact";
import type { IslandModule } from "./types.ts";

/** One island: its name (the file name without extension) and component. */
export interface Island {
  name: string;
  // deno-lint-ignore no-explicit-any
  component: ComponentType<any>;
  /** The island's source file, bundled for the browser. */
  file: string;
}

/** Names the islands of a manifest; `./islands/ChatApp.tsx` becomes `ChatApp`. */
export function collectIslands(
  islands: Record<string, IslandModule>,
  baseUrl: string,
): Island[] {
  return Object.entries(islands).map(([key, mod]) => ({
    name: key.replace(/^\.\/islands\//, "").replace(/\.(tsx|ts|jsx|js)$/, "").replaceAll("/", "_"),
    component: mod.default,
    file: new URL(key, baseUrl).pathname,
  }));
}

/** What one server render collected: the islands used, with their serialised props. */
export interface IslandRenderState {
  used: Set<string>;
  props: unknown[];
}

let current: IslandRenderState | null = null;
let creatingInner = false;
const byComponent = new Map<unknown, Island>();
let hooked = false;

/** Registers the islands whose vnodes the server render must mark. Idempotent. */
export function registerIslands(islands: Island[]): void {
  for (const island of islands) byComponent.set(island.component, island);
  if (hooked) return;
  hooked = true;
  const previous = options.vnode;
  options.vnode = (vnode: VNode) => {
    const island = byComponent.get(vnode.type);
    if (island && current && !creatingInner) {
      const props = vnode.props as Record<string, unknown>;
      vnode.type = IslandMarker as never;
      vnode.props = { island, islandProps: props } as never;
    }
    previous?.(vnode);
  };
}

function IslandMarker(
  { island, islandProps }: { island: Island; islandProps: Record<string, unknown> },
) {
  const state = current!;
  state.used.add(island.name);
  const index = state.props.push(islandProps) - 1;
  creatingInner = true;
  const inner = h(island.component, islandProps);
  creatingInner = false;
  return h("rungpt-island", { "data-island": island.name, "data-props": String(index) }, inner);
}

/**
 * Runs a synchronous server render with island marking on, and returns what it used.
 * Renders do not interleave (renderToString is synchronous), so module state is safe.
 */
export function withIslands<T>(render: () => T): { result: T; state: IslandRenderState } {
  const state: IslandRenderState = { used: new Set(), props: [] };
  const outer = current;
  current = state;
  try {
    return { result: render(), state };
  } finally {
    current = outer;
  }
}

/** JSON for a `<script type="application/json">`: `<` escaped so it cannot close the tag. */
export function serializeProps(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
