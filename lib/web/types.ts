/**
 * The types a route module works with, after Fresh 1.x: a route file exports a `handler`
 * (a function or an object of per-method functions) and/or a default page component.
 * @module
 */
import type { ComponentType, JSX } from "preact";

/** What every handler receives besides the request. */
export interface HandlerContext<Data = unknown, State = Record<string, unknown>> {
  /** Path parameters, e.g. `{ id: "…" }` for `routes/c/[id].tsx`. */
  params: Record<string, string>;
  /** Per-request state set by the web layer (the app's services live in `state.app`). */
  state: State;
  /** The request URL, parsed. */
  url: URL;
  /** Renders the route's page component with `data` (200 unless `init` says otherwise). */
  render(data?: Data, init?: ResponseInit): Promise<Response>;
  /** Renders the not-found page with status 404. */
  renderNotFound(): Promise<Response>;
}

/** A request handler. */
export type Handler<Data = unknown, State = Record<string, unknown>> = (
  req: Request,
  ctx: HandlerContext<Data, State>,
) => Response | Promise<Response>;

/** Handlers per HTTP method; a missing method answers 405. */
export type Handlers<Data = unknown, State = Record<string, unknown>> = {
  [method in "GET" | "POST" | "PUT" | "PATCH" | "DELETE"]?: Handler<Data, State>;
};

/** What a page component receives. */
export interface PageProps<Data = unknown> {
  data: Data;
  params: Record<string, string>;
  url: URL;
}

/** Per-route settings a route module may export as `config`. */
export interface RouteConfig {
  /** Largest request body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
}

/** The shape of a module under routes/. */
export interface RouteModule {
  handler?: Handler<unknown, never> | Handlers<unknown, never>;
  default?: ComponentType<PageProps<unknown>>;
  config?: RouteConfig;
}

/**
 * What the error page `routes/_500.tsx` receives as `data` when a page fails: a settings file
 * rungpt cannot read (the user's to fix, so it is explained), or anything else (details stay
 * in the server log).
 */
export type ErrorPageData =
  | { kind: "settings"; message: string; file: string | null }
  | { kind: "internal" };

/** The layout module `routes/_app.tsx`: wraps every page. */
export interface AppModule {
  default: ComponentType<{ Component: () => JSX.Element; url: URL }>;
}

/** An island module: its default export is hydrated in the browser. */
export interface IslandModule {
  // deno-lint-ignore no-explicit-any
  default: ComponentType<any>;
}

/** The generated `fresh.gen.ts`: every route and island, imported statically. */
export interface Manifest {
  routes: Record<string, RouteModule | AppModule>;
  islands: Record<string, IslandModule>;
  baseUrl: string;
}
