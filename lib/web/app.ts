/**
 * The Fresh-style layer: turns the generated manifest (fresh.gen.ts) into a Hono app —
 * routes with their handlers and pages, island bundles, static files — behind the
 * security guards.
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { compress } from "hono/compress";
import { serveStatic } from "hono/deno";
import type { ComponentType } from "preact";
import { SettingsError } from "../store/settings.ts";
import { bearerAuth, sessionAuth } from "./auth.ts";
import {
  buildIslands,
  entryPaths,
  type IslandBuild,
  islandSources,
  staticImports,
} from "./bundle.ts";
import { cachedBuild } from "./bundle_cache.ts";
import { v1Cors } from "./cors.ts";
import { HttpError, json } from "./http.ts";
import { collectIslands, registerIslands } from "./islands.ts";
import { type IslandUrls, renderPage } from "./render.ts";
import { compareRoutePatterns, routePattern } from "./route_paths.ts";
import { hostAllowList, hostGuard, originGuard, securityHeaders } from "./security.ts";
import type {
  AppModule,
  ErrorPageData,
  Handler,
  HandlerContext,
  Manifest,
  PageProps,
  RouteModule,
} from "./types.ts";

/** How to build the web app. */
export interface WebOptions {
  manifest: Manifest;
  /** Becomes `ctx.state` in every handler. */
  state: Record<string, unknown>;
  /** The address the server is bound to (for the Host allow-list). */
  hostname: string;
  /** More Host names to accept. */
  allowedHosts?: string[];
  /**
   * Origins whose pages may call `/v1/*` from a browser (CORS); none when absent. Read per
   * request, so a change in Settings applies at once.
   */
  corsOrigins?: () => Promise<readonly string[]>;
  /** The access token: always required on `/v1/*`; on the UI when `requireUiLogin`. */
  token: string;
  requireUiLogin: boolean;
  /** Folders served as-is, by URL prefix (e.g. `/static` -> `./static`). */
  staticDirs: Record<string, string>;
  /** Skip minification and the build cache (dev). */
  dev?: boolean;
  /** Where the island build is cached between starts (none: build at every start). */
  cacheDir?: string;
  /** Where to report unexpected errors (never with secrets). */
  onError?: (error: unknown, req: Request) => void;
}

/** The app, and a promise that settles when the island bundles are built. */
export interface WebApp {
  app: Hono;
  ready: Promise<void>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * An error answer: in OpenAI's shape on `/v1/*` (so API clients can read it), else the UI
 * API's `{ error, kind? }`.
 */
function errorAnswer(path: string, status: number, message: string, kind?: string): Response {
  if (path.startsWith("/v1/") || path === "/mcp") {
    const type = status >= 500 ? "server_error" : "invalid_request_error";
    return json({ error: { message, type, code: kind ?? null, param: null } }, status);
  }
  return json({ error: message, ...(kind ? { kind } : {}) }, status);
}

/** Paths answered with JSON, errors included: the UI's API and the OpenAI-compatible one. */
function isApiPath(path: string): boolean {
  return path.startsWith("/api/") || path.startsWith("/v1/");
}

/** Builds the app from a manifest. The island bundle starts building at once. */
export function createWebApp(opts: WebOptions): WebApp {
  const { manifest } = opts;
  const islands = collectIslands(manifest.islands, manifest.baseUrl);
  registerIslands(islands);
  let build: IslandBuild | undefined;
  const minify = !opts.dev;
  const bundle = () => buildIslands(islands, { minify });
  const building = (opts.cacheDir && !opts.dev
    ? cachedBuild(
      { dir: opts.cacheDir, sources: islandSources(islands), options: { minify } },
      bundle,
    )
    : bundle()).then((b) => {
      build = b;
    });
  // Surface a failed build on the requests that need it, not as an unhandled rejection.
  building.catch(() => {});
  // Entry URLs are known before the build finishes, so pages never wait for it.
  const entries = entryPaths(islands);
  const chunkCache = new Map<string, string[]>();
  const urls: IslandUrls = {
    boot: `/_islands/${entries.get("boot")}`,
    islands: new Map(islands.map((i) => [i.name, `/_islands/${entries.get(i.name)}`])),
    chunks(url) {
      if (!build) return [];
      let list = chunkCache.get(url);
      if (!list) {
        list = staticImports(build, url.slice("/_islands/".length)).map((p) => `/_islands/${p}`);
        chunkCache.set(url, list);
      }
      return list;
    },
  };

  const layout = (manifest.routes["./routes/_app.tsx"] as AppModule | undefined)?.default;
  const notFoundPage = (manifest.routes["./routes/_404.tsx"] as RouteModule | undefined)?.default;
  const errorPage = (manifest.routes["./routes/_500.tsx"] as RouteModule | undefined)?.default;

  const app = new Hono();
  app.use("*", securityHeaders());
  app.use("*", hostGuard(hostAllowList(opts.hostname, opts.allowedHosts)));
  const apiOrigin = async (origin: string) =>
    (await opts.corsOrigins?.())?.includes(origin) ?? false;
  // Before the token check: a preflight carries no token.
  app.use("/v1/*", v1Cors(apiOrigin));
  app.use("*", originGuard({ apiOrigin }));
  app.use("/v1/*", bearerAuth(opts.token));
  app.use("/mcp", bearerAuth(opts.token));
  // Compress only the static JS and CSS (gzip, via CompressionStream): never SSE streams, and
  // never pages or API answers that could carry secrets next to reflected input (BREACH).
  for (const prefix of ["/_islands/*", ...Object.keys(opts.staticDirs).map((p) => `${p}/*`)]) {
    app.use(
      prefix,
      compress({ contentTypeFilter: /^(?:text\/css|text\/javascript|application\/javascript)\b/i }),
    );
  }
  if (opts.requireUiLogin) {
    const exempt = (p: string) =>
      p === "/login" || p.startsWith("/v1/") || p === "/mcp" || p.startsWith("/static/") ||
      p.startsWith("/_islands/") || p === "/favicon.ico";
    app.use("*", sessionAuth(opts.token, exempt));
  }

  const render = (
    component: ComponentType<PageProps<unknown>> | undefined,
    props: PageProps<unknown>,
    status = 200,
  ): Promise<Response> => {
    if (!component) return Promise.resolve(json({ error: "Not found" }, 404));
    const html = renderPage({ component, props, layout, urls });
    return Promise.resolve(
      new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } }),
    );
  };
  const renderNotFound = (url: URL) =>
    notFoundPage
      ? render(notFoundPage, { data: undefined, params: {}, url }, 404)
      : Promise.resolve(json({ error: "Not found" }, 404));

  const routes = Object.entries(manifest.routes)
    .map(([key, mod]) => ({ pattern: routePattern(key), mod: mod as RouteModule }))
    .filter((r): r is { pattern: string; mod: RouteModule } => r.pattern !== null)
    .sort((a, b) => compareRoutePatterns(a.pattern, b.pattern));

  for (const { pattern, mod } of routes) {
    const limit = bodyLimit({
      maxSize: mod.config?.bodyLimit ?? DEFAULT_BODY_LIMIT,
      onError: (c) =>
        errorAnswer(
          c.req.path,
          413,
          `The request body is larger than ${mod.config?.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes.`,
        ),
    });
    const page = mod.default;
    const handlerFor = (method: string): Handler | undefined => {
      const h = mod.handler as Handler | Record<string, Handler> | undefined;
      if (typeof h === "function") return h;
      if (h) return h[method] ?? (method === "HEAD" ? h.GET : undefined);
      return page && (method === "GET" || method === "HEAD")
        ? (_req, ctx) => ctx.render()
        : undefined;
    };
    app.on([...METHODS, "HEAD"], pattern, limit, async (c) => {
      const handler = handlerFor(c.req.method);
      if (!handler) {
        const allow = METHODS.filter((m) => handlerFor(m)).join(", ");
        const res = errorAnswer(c.req.path, 405, `Method ${c.req.method} is not allowed here.`);
        res.headers.set("Allow", allow);
        return res;
      }
      const url = new URL(c.req.url);
      const params = c.req.param() as Record<string, string>;
      const ctx: HandlerContext = {
        params,
        url,
        state: opts.state,
        render: (data, init) => render(page, { data, params, url }, init?.status ?? 200),
        renderNotFound: () => renderNotFound(url),
      };
      return await handler(c.req.raw, ctx);
    });
  }

  app.get("/_islands/:path{.+}", async (c) => {
    await building;
    const path = c.req.param("path");
    const file = build!.files.get(path);
    if (!file) return c.json({ error: "Not found" }, 404);
    // Shared chunks are named by their content: cache them for good. Entries keep their
    // names across builds, so browsers revalidate them (a 304 when unchanged).
    const headers: Record<string, string> = path.startsWith("chunk-") || path.includes("/chunk-")
      ? { "cache-control": "public, max-age=31536000, immutable" }
      : { "cache-control": "no-cache", etag: file.etag };
    if (c.req.header("if-none-match") === file.etag) return c.body(null, 304, headers);
    return c.body(file.contents as Uint8Array<ArrayBuffer>, 200, {
      "content-type": file.contentType,
      ...headers,
    });
  });
  for (const [prefix, dir] of Object.entries(opts.staticDirs)) {
    app.use(
      `${prefix}/*`,
      serveStatic({ root: dir, rewriteRequestPath: (p) => p.slice(prefix.length) }),
    );
  }

  app.notFound((c) =>
    // API clients get JSON; people get the page.
    isApiPath(c.req.path)
      ? errorAnswer(c.req.path, 404, `Nothing at ${c.req.method} ${c.req.path}.`)
      : renderNotFound(new URL(c.req.url))
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return errorAnswer(c.req.path, error.status, error.message, error.kind);
    }
    // A broken settings file is the user's to fix, and its message says how.
    const settings = error instanceof SettingsError;
    if (!settings) opts.onError?.(error, c.req.raw);
    if (errorPage && !isApiPath(c.req.path)) {
      const data: ErrorPageData = settings
        ? { kind: "settings", message: error.message, file: error.file }
        : { kind: "internal" };
      return render(errorPage, { data, params: {}, url: new URL(c.req.url) }, 500);
    }
    return settings
      ? errorAnswer(c.req.path, 500, error.message, "settings")
      : errorAnswer(c.req.path, 500, "Internal error; see the server log.");
  });

  return { app, ready: building };
}
