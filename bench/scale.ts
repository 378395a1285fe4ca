/**
 * Storage and UI at scale: open a conversation of 5,000 messages (server time of `GET /c/:id`
 * and `GET /api/conversations/:id`, and headless Chromium's navigation start to the last
 * message element present plus one animation frame), scroll a conversation of 2,000 messages
 * with every message loaded (`bench/scroll.ts`), and `store.search` over 100,000 messages.
 * Baselines: the same requests for an empty conversation; a plain page of the same 2,000
 * texts; a search over 1,000.
 * @module
 */
// Before playwright-core loads: it probes a /proc file that needs --allow-all otherwise.
import "../tests/support/node_fs_shim.ts";
import { launchBrowser } from "../tests/support/chromium.ts";
import { openSqliteStore } from "../lib/store/sqlite.ts";
import { spawnRungpt } from "./procs.ts";
import type { Figure } from "./report.ts";
import { median, p99 } from "./stats.ts";
import { benchScroll, summarizeScrolls } from "./scroll.ts";
import { messageText, seedConversation, seedVersionedConversation, withStore } from "./seed.ts";

const MESSAGES = 5000;
const SCROLL_MESSAGES = 2000;
const SEARCH_MESSAGES = 100_000;
const QUERIES = ["bravo", "delta echo", "tango uniform victor", "Message 4242", "kil", "zulu papa"];

async function timeGet(url: string, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function searchTimes(count: number): Promise<number[]> {
  const store = await openSqliteStore(":memory:");
  try {
    for (let c = 0; c < count / 10_000 || c === 0; c++) {
      await seedConversation(store, Math.min(10_000, count), c * 10_000);
    }
    const out: number[] = [];
    for (let r = 0; r < 10; r++) {
      for (const q of QUERIES) {
        const t0 = performance.now();
        await store.search(q);
        out.push(performance.now() - t0);
      }
    }
    return out;
  } finally {
    await store.close();
  }
}

/** Runs the storage-and-UI-at-scale benchmark. */
export async function benchScale(log: (s: string) => void): Promise<Figure[]> {
  const area = "scale";
  const figures: Figure[] = [];
  const dataDir = await Deno.makeTempDir({ prefix: "rungpt-bench-scale-" });
  const pluginsDir = await Deno.makeTempDir({ prefix: "rungpt-bench-plugins-" });
  try {
    const { big, empty, long, versioned } = await withStore(dataDir, async (s) => ({
      big: await seedConversation(s, MESSAGES),
      empty: await seedConversation(s, 0),
      long: await seedConversation(s, SCROLL_MESSAGES),
      versioned: await seedVersionedConversation(s, MESSAGES),
    }));
    const rg = await spawnRungpt({ dataDir, pluginsDir });
    try {
      for (
        const [label, path] of [["GET /c/:id", "/c/"], [
          "GET /api/conversations/:id",
          "/api/conversations/",
        ]]
      ) {
        await timeGet(`${rg.origin}${path}${big.conversationId}`, 2); // warm up
        const t = await timeGet(`${rg.origin}${path}${big.conversationId}`, 10);
        const b = await timeGet(`${rg.origin}${path}${empty.conversationId}`, 10);
        figures.push({
          area,
          name: `${label}, ${MESSAGES} messages`,
          value: median(t),
          unit: "ms",
          baseline: median(b),
          baselineName: "empty conversation",
          target: { op: "<", limit: 100 },
          note: `p99 ${p99(t).toFixed(1)} ms; loopback request time`,
        });
      }
      log("scale: server done");

      const browser = await launchBrowser();
      try {
        const paint = async (id: string, lastId: string | null) => {
          const page = await browser.newPage();
          try {
            await page.goto(`${rg.origin}/c/${id}`, { waitUntil: "commit" });
            if (lastId) {
              await page.waitForSelector(`#m-${lastId}`, { state: "attached", timeout: 30_000 });
            } else await page.waitForSelector("main, body", { state: "attached" });
            // performance.now() counts from the navigation start.
            return await page.evaluate(() =>
              new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())))
            );
          } finally {
            await page.close();
          }
        };
        await paint(big.conversationId, big.lastMessageId); // warm (bundle fetch, cache)
        const t: number[] = [], b: number[] = [], v: number[] = [];
        for (let i = 0; i < 2; i++) {
          t.push(await paint(big.conversationId, big.lastMessageId));
          b.push(await paint(empty.conversationId, null));
          v.push(await paint(versioned.conversationId, versioned.lastMessageId));
        }
        const runs = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
        figures.push({
          area,
          name: `browser paint, ${MESSAGES} messages`,
          value: median(t),
          unit: "ms",
          baseline: median(b),
          baselineName: "empty conversation",
          target: { op: "<", limit: 1000 },
          note: `navigation start to the last message element + 1 frame; runs ${runs(t)} ms`,
        }, {
          area,
          name: `browser paint, ${MESSAGES} messages with versions`,
          value: median(v),
          unit: "ms",
          baseline: median(t),
          baselineName: "no versions",
          target: { op: "<", limit: 1000 },
          note: `every reply has a second, hidden version (switcher "2 / 2"); runs ${runs(v)} ms`,
        });
        log("scale: paint done");

        const scroll = await benchScroll(browser, {
          url: `${rg.origin}/c/${long.conversationId}#m-${long.firstMessageId}`,
          count: SCROLL_MESSAGES,
          texts: Array.from({ length: SCROLL_MESSAGES }, (_, i) => messageText(i)),
          runs: 3,
        });
        const app = summarizeScrolls(scroll.app), plain = summarizeScrolls(scroll.plain);
        figures.push({
          area,
          name: `scroll frame p50, ${SCROLL_MESSAGES} messages loaded`,
          value: app.median,
          unit: "ms",
          baseline: plain.median,
          baselineName: "plain page, same texts",
          target: { op: "<", limit: 20 },
          note: `p90 ${app.p90.toFixed(1)} ms (plain ${plain.p90.toFixed(1)}); 3 scrolls x 240 ` +
            `frames of 60 px from the top of a fresh page`,
        });
        figures.push({
          area,
          name: `scroll main thread / frame, ${SCROLL_MESSAGES} messages`,
          value: app.main,
          unit: "ms",
          baseline: plain.main,
          baselineName: "plain page, same texts",
          note: "renderer main-thread task time (CDP TaskDuration) over the scroll / frames",
        });
      } finally {
        await browser.close();
      }
      log("scale: browser done");
    } finally {
      await rg.close();
    }

    const small = await searchTimes(1000);
    const large = await searchTimes(SEARCH_MESSAGES);
    figures.push({
      area,
      name: `search p50, ${SEARCH_MESSAGES} messages`,
      value: median(large),
      unit: "ms",
      baseline: median(small),
      baselineName: "1,000 messages",
      target: { op: "<", limit: 50 },
      note: `${QUERIES.length} queries x 10; store.search (FTS5)`,
    });
    figures.push({
      area,
      name: `search p99, ${SEARCH_MESSAGES} messages`,
      value: p99(large),
      unit: "ms",
      baseline: p99(small),
      baselineName: "1,000 messages",
      target: { op: "<", limit: 50 },
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(pluginsDir, { recursive: true }).catch(() => {});
  }
  log("scale: done");
  return figures;
}
