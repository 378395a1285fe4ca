/**
 * playwright-core for the browser tests and benchmarks, by its npm specifier: it is not in the
 * import map, so `deno task start` never downloads it (14 MB that only tests use).
 * @module
 */
export { chromium } from "npm:playwright-core@^1.56";
export type { Browser, BrowserContext, Locator, Page } from "npm:playwright-core@^1.56";
