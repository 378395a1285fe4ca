/**
 * File names under routes/ to URL patterns (Hono syntax), after Fresh 1.x:
 * `index` is the folder itself, `[id]` a parameter, `[...rest]` the remaining path, and
 * files starting with `_` are special (layout, 404) rather than routes.
 * @module
 */

/**
 * Turns a manifest key like `./routes/c/[id].tsx` into `/c/:id`.
 * Returns `null` for special files (`_app.tsx`, `_404.tsx`).
 *
 * @example
 * ```ts
 * routePattern("./routes/index.tsx"); // "/"
 * routePattern("./routes/api/conversations/[id]/events.ts"); // "/api/conversations/:id/events"
 * ```
 */
export function routePattern(key: string): string | null {
  const rel = key.replace(/^\.\/routes\//, "").replace(/\.(tsx|ts|jsx|js)$/, "");
  const parts = rel.split("/");
  if (parts.some((p) => p.startsWith("_"))) return null;
  if (parts.at(-1) === "index") parts.pop();
  const segments = parts.map((p) => {
    const rest = p.match(/^\[\.\.\.(\w+)\]$/);
    if (rest) return `:${rest[1]}{.+}`;
    return p.replace(/\[(\w+)\]/g, ":$1");
  });
  return "/" + segments.join("/");
}

/**
 * Orders patterns so that static segments win over parameters, and parameters over
 * catch-alls, whatever order the files were listed in.
 */
export function compareRoutePatterns(a: string, b: string): number {
  const rank = (p: string) =>
    p.split("/").map((s) => s.includes("{.+}") ? 2 : s.startsWith(":") ? 1 : 0);
  const ra = rank(a), rb = rank(b);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const x = ra[i] ?? -1, y = rb[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}
