import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareRoutePatterns, routePattern } from "../../../lib/web/route_paths.ts";

Deno.test("routePattern maps Fresh file names to URL patterns", () => {
  assertEquals(routePattern("./routes/index.tsx"), "/");
  assertEquals(routePattern("./routes/settings.tsx"), "/settings");
  assertEquals(routePattern("./routes/c/[id].tsx"), "/c/:id");
  assertEquals(routePattern("./routes/api/conversations/index.ts"), "/api/conversations");
  assertEquals(
    routePattern("./routes/api/conversations/[id]/events.ts"),
    "/api/conversations/:id/events",
  );
  assertEquals(routePattern("./routes/files/[...path].ts"), "/files/:path{.+}");
  assertEquals(routePattern("./routes/_app.tsx"), null);
  assertEquals(routePattern("./routes/_404.tsx"), null);
});

Deno.test("compareRoutePatterns puts static segments before parameters and catch-alls", () => {
  const sorted = ["/files/:path{.+}", "/c/:id", "/c/new", "/"].sort(compareRoutePatterns);
  assertEquals(sorted.indexOf("/c/new") < sorted.indexOf("/c/:id"), true);
  assertEquals(sorted.at(-1), "/files/:path{.+}");
});
