/**
 * Scrolling a long conversation in headless Chromium: the time between animation frames while
 * a scroller moves down a fixed distance every frame, and the renderer's main-thread time per
 * frame (CDP `Performance.getMetrics` TaskDuration), after everything has loaded and settled.
 * The baseline is a plain page of the same messages as static text in one scrolling box, no
 * script and no stylesheet of rungpt's: what the browser itself needs to scroll that much text.
 * @module
 */
import type { Browser, Page } from "../tests/support/playwright.ts";
import { median, quantile } from "./stats.ts";

/** Frame intervals and main-thread time over one scroll. */
export interface ScrollSample {
  /** Milliseconds between consecutive animation frames. */
  frames: number[];
  /** Renderer main-thread task time per frame, ms. */
  mainPerFrame: number;
}

/** How far each frame scrolls, and for how many frames. */
const STEP_PX = 60;
const FRAMES = 240;

/**
 * Scrolls `scroller` (a CSS selector) from the top by {@linkcode STEP_PX} every frame for
 * {@linkcode FRAMES} frames and records the frame intervals.
 */
export async function scrollFrames(page: Page, scroller: string): Promise<ScrollSample> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const taskSeconds = async () =>
    (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")
      ?.value ?? 0;
  // Start from the top, then let the page settle (pending renders, lazy markdown near the top).
  await page.locator(scroller).evaluate((el) => (el.scrollTop = 0));
  await page.waitForTimeout(1000);
  const before = await taskSeconds();
  const frames = await page.locator(scroller).evaluate(
    async (el, { step, count }) => {
      const frame = () => new Promise<number>((r) => requestAnimationFrame(r));
      const out: number[] = [];
      let last = await frame();
      for (let i = 0; i < count; i++) {
        el.scrollTop += step;
        const t = await frame();
        out.push(t - last);
        last = t;
      }
      return out;
    },
    { step: STEP_PX, count: FRAMES },
  );
  const mainPerFrame = ((await taskSeconds()) - before) * 1000 / frames.length;
  await cdp.detach();
  return { frames, mainPerFrame };
}

/** A static page of `texts` as message-like boxes in one scrolling box (the baseline). */
export function plainPageHtml(texts: string[]): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const items = texts.map((t) =>
    `<div style="padding:10px 14px;margin:0 0 12px;white-space:pre-wrap">${esc(t)}</div>`
  ).join("");
  return `<!DOCTYPE html><html><body style="margin:0;font:15px/1.55 system-ui,sans-serif">` +
    `<div id="list" style="height:100vh;overflow-y:auto"><div style="max-width:820px;margin:0 auto">` +
    `${items}</div></div></body></html>`;
}

/** Median and p90 frame interval and main-thread time per frame over several scrolls. */
export function summarizeScrolls(samples: ScrollSample[]): {
  median: number;
  p90: number;
  main: number;
} {
  const all = samples.flatMap((s) => s.frames);
  return {
    median: median(all),
    p90: quantile(all, 0.9),
    main: median(samples.map((s) => s.mainPerFrame)),
  };
}

/**
 * Opens `url` (a conversation whose every message is loaded through the `#m-<first id>` link),
 * waits for `count` messages, and scrolls it; then the plain page of the same texts. Pages are
 * fresh for every run so no scroll benefits from the last one's rendering.
 */
export async function benchScroll(
  browser: Browser,
  opts: { url: string; count: number; texts: string[]; runs: number },
): Promise<{ app: ScrollSample[]; plain: ScrollSample[] }> {
  const app: ScrollSample[] = [];
  const plain: ScrollSample[] = [];
  for (let run = 0; run < opts.runs; run++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(opts.url);
      await page.waitForFunction(
        (n) => document.querySelectorAll("article.msg").length === n,
        opts.count,
        { timeout: 60_000 },
      );
      app.push(await scrollFrames(page, ".messages"));
    } finally {
      await page.close();
    }
    const base = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await base.setContent(plainPageHtml(opts.texts));
      plain.push(await scrollFrames(base, "#list"));
    } finally {
      await base.close();
    }
  }
  return { app, plain };
}
