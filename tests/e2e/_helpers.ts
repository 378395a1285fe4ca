/**
 * Shared set-up for the browser tests: a scripted model, a real rungpt pointed at it, and one
 * headless Chromium per test file. Every page records the URLs it requested, so a test can
 * assert that nothing left the rungpt origin.
 * @module
 */
import type { Browser, BrowserContext, Locator, Page } from "../support/playwright.ts";
import { launchBrowser } from "../support/chromium.ts";
import { startRungpt, type TestRungpt, type TestRungptOptions } from "../support/rungpt_server.ts";
import {
  type ScriptedModel,
  type ScriptedModelOptions,
  startScriptedModel,
} from "../support/scripted_model.ts";

/** A scripted model, rungpt and a browser, closed together. */
export interface E2E {
  model: ScriptedModel;
  rg: TestRungpt;
  browser: Browser;
  /** Opens a fresh browser context (own cookies and storage) and page, recording requests. */
  newPage(opts?: PageOptions): Promise<TestPage>;
  close(): Promise<void>;
}

/** Options of {@linkcode E2E.newPage}. */
export interface PageOptions {
  viewport?: { width: number; height: number };
}

/** A page in its own context, with every request URL it made. */
export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** URLs of every request the page issued, in order. */
  requests: string[];
  /** The requests whose origin is not rungpt's. */
  foreignRequests(): string[];
  close(): Promise<void>;
}

/**
 * Starts the scripted model, rungpt and Chromium.
 *
 * @example
 * ```ts
 * const e2e = await startE2E({ model: { responder: () => ({ text: "Hi" }) } });
 * try {
 *   const { page } = await e2e.newPage();
 * } finally {
 *   await e2e.close();
 * }
 * ```
 */
export async function startE2E(
  opts: { model?: ScriptedModelOptions; rungpt?: Omit<TestRungptOptions, "model"> } = {},
): Promise<E2E> {
  const model = await startScriptedModel(opts.model ?? {});
  let rg: TestRungpt | undefined;
  let browser: Browser | undefined;
  try {
    rg = await startRungpt({ model, ...opts.rungpt });
    browser = await launchBrowser();
  } catch (e) {
    await rg?.close();
    await model.close();
    throw e;
  }
  const pages = new Set<TestPage>();
  const origin = rg.origin;
  const b = browser;
  const r = rg;
  return {
    model,
    rg,
    browser,
    async newPage(pageOpts = {}) {
      const context = await b.newContext({
        viewport: pageOpts.viewport ?? { width: 1280, height: 800 },
      });
      // Copy buttons write to the clipboard; tests read it back.
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
      // Fail fast: nothing a test waits for should take long against local servers.
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const requests: string[] = [];
      page.on("request", (req) => requests.push(req.url()));
      const tp: TestPage = {
        page,
        context,
        requests,
        foreignRequests: () => requests.filter((u) => !sameOrigin(u, origin)),
        async close() {
          pages.delete(tp);
          await context.close();
        },
      };
      pages.add(tp);
      return tp;
    },
    async close() {
      for (const p of [...pages]) await p.close().catch(() => {});
      await b.close().catch(() => {});
      await r.close();
      await model.close();
    },
  };
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/** Waits until `fn` returns a truthy value (polling), or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** The id of the conversation the page shows, from its `/c/<id>` URL. */
export function conversationIdOf(page: Page): string | null {
  return /\/c\/([^/?#]+)/.exec(new URL(page.url()).pathname)?.[1] ?? null;
}

/** The last assistant message's article. */
export function lastAssistant(page: Page) {
  return page.locator("article.msg-assistant").last();
}

/**
 * Waits until every island of the page is hydrated: before that, the server-rendered page shows
 * but its buttons and fields do nothing (a reload then a click can otherwise lose the click).
 */
export async function hydrated(page: Page): Promise<void> {
  await waitFor(
    "the page's islands hydrated",
    () =>
      page.evaluate(() =>
        [...document.querySelectorAll("rungpt-island")].every((el) =>
          el.hasAttribute("data-hydrated")
        )
      ),
  );
}

/**
 * Types `text` in the composer and presses Enter. Resolves to the reply's article once it
 * exists (the first assistant message after those already shown).
 */
export async function sendMessage(page: Page, text: string): Promise<Locator> {
  const replies = page.locator("article.msg-assistant");
  const before = await replies.count();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
  await waitFor("the reply to appear", async () => (await replies.count()) > before);
  return replies.nth(before);
}

/** Waits until a message's article has `data-status` = `status` (default `complete`). */
export async function settled(article: Locator, status = "complete"): Promise<void> {
  await article.and(article.page().locator(`[data-status=${status}]`)).waitFor();
}

/** The polite live region announcing "Generating a reply…", "Reply complete.", errors. */
export function statusRegion(page: Page) {
  return page.locator("main [role=status][aria-live=polite]");
}

/** Waits until the live status region says `text` (a string matches exactly). */
export async function waitForStatus(page: Page, text: string | RegExp): Promise<void> {
  await statusRegion(page).filter({
    hasText: typeof text === "string"
      ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)
      : text,
  }).waitFor({ state: "attached" });
}

/** The colours a reader sees at an element: its text, and the first opaque background behind. */
export function colours(page: Page, selector: string): Promise<{ fg: number[]; bg: number[] }> {
  return page.locator(selector).first().evaluate((el) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    let bg = [255, 255, 255, 1];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if ((c[3] ?? 1) > 0.5) {
        bg = c;
        break;
      }
    }
    return { fg: rgb(getComputedStyle(el).color), bg };
  });
}

/** WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white). */
export function luminance([r, g, b]: number[]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours, 1 to 21. */
export function contrast(a: number[], b: number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
